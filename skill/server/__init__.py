"""The HTTPS endpoint: Flask route, request signature and timestamp verification."""
