//! The limits table: one row per documented limit, at and just over the edge.

use maitre_channels::{Choice, OutboundMessage, Platform, check_limits};

fn with_text(text: String) -> OutboundMessage {
    OutboundMessage::text(text)
}

fn quick(n: usize, title: &str, payload: &str) -> OutboundMessage {
    OutboundMessage {
        quick_replies: (0..n).map(|i| Choice::new(format!("{title}{i}"), format!("{payload}{i}"))).collect(),
        ..OutboundMessage::text("Pick one")
    }
}

fn buttons(n: usize, title: &str, payload: &str) -> OutboundMessage {
    OutboundMessage {
        buttons: (0..n).map(|i| Choice::new(format!("{title}{i}"), format!("{payload}{i}"))).collect(),
        ..OutboundMessage::text("Pick one")
    }
}

fn button_text(text: String) -> OutboundMessage {
    OutboundMessage { buttons: vec![Choice::new("OK", "ok")], ..OutboundMessage::text(text) }
}

fn err(message: impl Into<String>) -> Option<String> {
    Some(message.into())
}

#[test]
fn limits_table() {
    use Platform::*;
    let x = |n: usize| "x".repeat(n);
    // "é" is 2 bytes: Instagram counts bytes.
    let e = |n: usize| "é".repeat(n);
    let rows: Vec<(Platform, OutboundMessage, Option<String>)> = vec![
        (Messenger, with_text(x(2000)), None),
        (Messenger, with_text(x(2001)), err("Messenger allows at most 2000 characters of text; this message has 2001")),
        (Instagram, with_text(e(500)), None),
        (Instagram, with_text(e(501)), err("Instagram allows at most 1000 bytes of text; this message has 1002")),
        (WhatsApp, with_text(x(4096)), None),
        (WhatsApp, with_text(x(4097)), err("WhatsApp allows at most 4096 characters of text; this message has 4097")),
        (Telegram, with_text(x(4096)), None),
        (Telegram, with_text(x(4097)), err("Telegram allows at most 4096 characters of text; this message has 4097")),
        (Telegram, with_text("  ".into()), err("Telegram messages need some text")),
        (Messenger, quick(13, "t", "p"), None),
        (Instagram, quick(14, "t", "p"), err("Instagram allows at most 13 quick replies; this message has 14")),
        (Messenger, quick(1, &x(19), "p"), None),
        (
            Messenger,
            quick(1, &x(20), "p"),
            err(format!("Messenger allows at most 20 characters in a quick reply title; \"{}0\" has 21", x(20))),
        ),
        (
            Messenger,
            quick(1, "t", &x(1000)),
            err("Messenger allows at most 1000 characters of payload; the payload of \"t0\" has 1001"),
        ),
        (Messenger, buttons(3, "b", "p"), None),
        (Instagram, buttons(4, "b", "p"), err("Instagram allows at most 3 buttons; this message has 4")),
        (Messenger, button_text(x(640)), None),
        (
            Messenger,
            button_text(x(641)),
            err("Messenger allows at most 640 characters of text above buttons; this message has 641"),
        ),
        (WhatsApp, buttons(3, "b", "p"), None),
        (WhatsApp, buttons(4, "b", "p"), err("WhatsApp allows at most 3 reply buttons; this message has 4")),
        (
            WhatsApp,
            OutboundMessage { quick_replies: vec![Choice::new("Q", "q")], ..buttons(3, "b", "p") },
            err("WhatsApp allows at most 3 reply buttons; this message has 4"),
        ),
        (
            WhatsApp,
            buttons(1, &x(20), "p"),
            err(format!("WhatsApp allows at most 20 characters in a reply button title; \"{}0\" has 21", x(20))),
        ),
        (WhatsApp, buttons(1, "b", &x(255)), None),
        (
            WhatsApp,
            buttons(1, "b", &x(256)),
            err("WhatsApp allows at most 256 characters of payload; the payload of \"b0\" has 257"),
        ),
        (WhatsApp, button_text(x(1024)), None),
        (
            WhatsApp,
            button_text(x(1025)),
            err("WhatsApp allows at most 1024 characters of text with reply buttons; this message has 1025"),
        ),
        (
            WhatsApp,
            OutboundMessage { footer: Some(x(61)), ..button_text("Hi".into()) },
            err("WhatsApp allows at most 60 characters in a footer; this one has 61"),
        ),
        (
            WhatsApp,
            OutboundMessage {
                buttons: vec![Choice::new("Yes", "a"), Choice::new("Yes", "b")],
                ..with_text("Sure?".into())
            },
            err("WhatsApp needs each button's title to differ; \"Yes\" appears twice"),
        ),
        (
            WhatsApp,
            OutboundMessage {
                buttons: vec![Choice::new("Yes", "a"), Choice::new("Sure", "a")],
                ..with_text("Sure?".into())
            },
            err("WhatsApp needs each button's payload to differ; \"a\" appears twice"),
        ),
        // The footer joins the text where there is no footer field, and counts there.
        (WhatsApp, OutboundMessage { footer: Some("Test Bistro".into()), ..with_text(x(4096 - 13)) }, None),
        (
            WhatsApp,
            OutboundMessage { footer: Some("Test Bistro".into()), ..with_text(x(4096 - 12)) },
            err("WhatsApp allows at most 4096 characters of text; this message has 4097"),
        ),
        (Telegram, buttons(1, "b", &x(63)), None),
        (
            Telegram,
            buttons(1, "b", &e(32)),
            err("Telegram allows at most 64 bytes of payload; the payload of \"b0\" has 65"),
        ),
        (
            Telegram,
            OutboundMessage { quick_replies: vec![Choice::new("", "p")], ..with_text("Hi".into()) },
            err("Telegram buttons and quick replies need a title"),
        ),
        (
            Telegram,
            OutboundMessage { buttons: vec![Choice::new("Go", "")], ..with_text("Hi".into()) },
            err("the choice \"Go\" needs a payload"),
        ),
        // Telegram has no count or title-length limit of its own.
        (Telegram, quick(30, &x(40), "p"), None),
    ];
    for (i, (platform, msg, expected)) in rows.iter().enumerate() {
        let actual = check_limits(*platform, msg).err().map(|e| e.to_string());
        assert_eq!(&actual, expected, "row {i} ({platform})");
    }
}
