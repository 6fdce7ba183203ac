"""Small services the Library composes: conversation memory, per-chat preferences and multi-process index sync."""
