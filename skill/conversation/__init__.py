"""The conversation: handlers in priority order, the interceptors around them, what was said, screens."""
