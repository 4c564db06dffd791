"""The bottom layer: contracts that several layers share and that import nothing of the project.

Dashboard UIDs (alerts link to them), the labels every object carries, the Kubernetes API versions of
the custom resources this program creates, the common inputs every capability gets (`StackContext`),
and what one capability hands another (`inputs`). `settings`, `render`, `rules`, `dashboards` and
`components` all import from here; nothing here imports them.
"""
