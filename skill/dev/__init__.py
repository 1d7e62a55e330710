"""Developer tools (simulator, model generator, packaging, release check): never shipped in the Lambda bundle."""
