"""RSS/Atom feeds: download with conditional requests, parse and discover feeds, poll them into the library."""
