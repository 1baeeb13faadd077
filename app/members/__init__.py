"""People: NHS staff who take part in teams, coach them or attend meetings."""
