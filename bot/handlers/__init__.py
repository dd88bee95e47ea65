"""One-step commands and button callbacks, one module per audience; each exposes register(app)."""
