"""Load and latency benchmark of Chính Quyền Số (``make bench`` / ``python -m bench``)."""
