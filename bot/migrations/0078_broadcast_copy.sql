-- A broadcast that carries a file (a photo, a PDF) or a location is copied to every recipient
-- from the coordinator's own message with copyMessage: nothing is uploaded again per recipient,
-- and the caption goes with it. `text` then holds the caption (Telegram HTML, may be empty).
ALTER TABLE broadcasts ADD COLUMN copy_chat_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN copy_message_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN copy_kind TEXT;               -- photo | document | location
