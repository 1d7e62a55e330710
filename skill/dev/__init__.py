"""Developer tools beside the runtime package: release checks and generators (the Lambda bundle carries none)."""
