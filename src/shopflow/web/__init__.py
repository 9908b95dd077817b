"""The web shell: login, navigation, generic document list and detail pages."""
