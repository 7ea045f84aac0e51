// Placeholder until the CLI bundle exists; replaced by the real esbuild script.
