"""Pytest root: make the repository importable and keep numeric libraries to one thread per process."""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
