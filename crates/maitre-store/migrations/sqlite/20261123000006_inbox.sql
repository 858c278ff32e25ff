-- Shared inbox: assignment, hand-written replies, tags, internal notes, the activity trail, read markers and
-- canned responses. Times are UTC milliseconds, ids UUIDv7 text, as everywhere.

-- The member a conversation is assigned to (NULL: unassigned). A deleted user unassigns.
ALTER TABLE conversations ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX conversations_by_assignee ON conversations (account_id, assignee_id, last_message_at);
-- Inbox order (newest first, id breaks ties): pages are read along this index, never sorted in full.
CREATE INDEX conversations_inbox_order ON conversations (account_id, last_message_at, id);

-- The member who wrote an outbound message by hand (NULL: automation). The send job applies the human-agent
-- window rules only to these.
ALTER TABLE messages ADD COLUMN sent_by TEXT REFERENCES users (id) ON DELETE SET NULL;
-- Unread counts: a conversation's inbound messages after the member's read marker, from the index alone.
CREATE INDEX messages_unread ON messages (account_id, conversation_id, direction, id);

CREATE TABLE conversation_tags (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    tag             TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id, tag),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_tags_by_tag ON conversation_tags (account_id, tag);

-- Internal notes: staff only, never sent to the guest.
CREATE TABLE conversation_notes (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    author_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_notes_by_conversation ON conversation_notes (account_id, conversation_id, created_at);

-- Who did what to a conversation, and when. `actor_id` NULL: the API or the system.
CREATE TABLE conversation_activity (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    actor_id        TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('assigned', 'unassigned', 'taken_over', 'handed_back', 'closed',
                                                  'reopened', 'note_added')),
    detail          TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_activity_by_conversation ON conversation_activity (account_id, conversation_id, created_at);

-- Per member: the newest message id seen in a conversation. Message ids are UUIDv7, so "unread" is every inbound
-- message with a greater id — independent of the platform's timestamps, which may arrive late.
CREATE TABLE conversation_reads (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_id    TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation_id, user_id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);

CREATE TABLE canned_responses (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    shortcut    TEXT NOT NULL,
    body        TEXT NOT NULL,
    usage_count BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, shortcut)
);
