"""Developer tools: they sit beside the runtime package, and the Lambda bundle carries none of them."""
