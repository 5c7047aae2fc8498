"""Speed and size figures (`make bench`). Tests assert behaviour; this reports numbers."""
