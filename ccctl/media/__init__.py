"""Sound files: which prompts a configuration needs (prompts), making them and the music on
hold (synth), a tenant's own uploads (uploads), and what both need to write a file (files).
"""
