-- What each quick-reply button of a template written in maitre does when it is about a booking (reply, confirm,
-- cancel), as a list serialized by maitre-store; templates from WhatsApp Manager only reply.
ALTER TABLE wa_templates ADD COLUMN actions TEXT NOT NULL DEFAULT '[]';
