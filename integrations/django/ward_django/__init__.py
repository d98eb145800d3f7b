"""Ward for Django: a middleware, sign-in helpers, a view decorator and ward.js forwarding (see README.md)."""
from .client import WardUnavailable

__all__ = ["WardUnavailable"]
