"""The logic of ``kubectl targon``: Targon's view of a TargonWorkload, from a terminal.

The plugin finds the resource, reads its ``status.workloadUid`` and asks Targon directly,
with the credentials the operator would use for that resource, so a user can see logs,
events and drift without access to the operator. ``cli/kubectl_targon.py`` holds only the
argument parsing; each command lives in its own module here.
"""
