-- The return sweep asks for items waiting to go back to their sender whose date has passed;
-- without this it would scan every mail item of every property each round.
CREATE INDEX mail_to_return ON mail_items (status, return_due_at);
