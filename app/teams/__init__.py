"""Teams taking part in a collaborative, and the organisations they come from."""
