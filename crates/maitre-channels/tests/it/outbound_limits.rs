//! The limits table: one row per documented limit, at and just over the edge.

use maitre_channels::{Choice, ChoiceList, ListRow, ListSection, OutboundMessage, Platform, check_limits};

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

/// A list of `sections` sections of `rows` rows each, titled and with short ids.
fn list(sections: usize, rows: usize) -> OutboundMessage {
    let sections = (0..sections)
        .map(|s| ListSection {
            title: format!("Section {s}"),
            rows: (0..rows).map(|r| ListRow::new(format!("id{s}-{r}"), format!("Row {s}-{r}"))).collect(),
        })
        .collect();
    OutboundMessage { list: Some(ChoiceList { button: "Open".into(), sections }), ..OutboundMessage::text("Pick one") }
}

/// A one-section list holding `row`, after `edit` changed the list.
fn list_with(row: ListRow, edit: impl FnOnce(&mut ChoiceList)) -> OutboundMessage {
    let mut msg = list(1, 0);
    let choice_list = msg.list.as_mut().unwrap();
    choice_list.sections[0].rows.push(row);
    edit(choice_list);
    msg
}

fn row(id: &str, title: &str) -> ListRow {
    ListRow::new(id, title)
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
        // Lists, WhatsApp (PROTOCOLS.md §3.1): 10 rows in total, however they are split.
        (WhatsApp, list(1, 10), None),
        (WhatsApp, list(2, 5), None),
        (WhatsApp, list(1, 11), err("WhatsApp allows at most 10 list rows; this message has 11")),
        (WhatsApp, list(2, 6), err("WhatsApp allows at most 10 list rows; this message has 12")),
        (WhatsApp, list(11, 1), err("WhatsApp allows at most 10 list sections; this message has 11")),
        (WhatsApp, list_with(row("a", "b"), |l| l.button = x(20)), None),
        (
            WhatsApp,
            list_with(row("a", "b"), |l| l.button = x(21)),
            err(format!("WhatsApp allows at most 20 characters in a list's button label; \"{}\" has 21", x(21))),
        ),
        (WhatsApp, list_with(row("a", "b"), |l| l.button = " ".into()), err("WhatsApp lists need a button label")),
        (WhatsApp, list_with(row("a", &x(24)), |_| ()), None),
        (
            WhatsApp,
            list_with(row("a", &x(25)), |_| ()),
            err(format!("WhatsApp allows at most 24 characters in a list row title; \"{}\" has 25", x(25))),
        ),
        (WhatsApp, list_with(row(&x(200), "b"), |_| ()), None),
        (
            WhatsApp,
            list_with(row(&x(201), "b"), |_| ()),
            err("WhatsApp allows at most 200 characters in a list row id; the id of \"b\" has 201"),
        ),
        (WhatsApp, list_with(row("a", "b").with_description(x(72)), |_| ()), None),
        (
            WhatsApp,
            list_with(row("a", "b").with_description(x(73)), |_| ()),
            err("WhatsApp allows at most 72 characters in a list row description; the description of \"b\" has 73"),
        ),
        (WhatsApp, list_with(row("a", "b"), |l| l.sections[0].title = x(24)), None),
        (
            WhatsApp,
            list_with(row("a", "b"), |l| l.sections[0].title = x(25)),
            err(format!("WhatsApp allows at most 24 characters in a list section title; \"{}\" has 25", x(25))),
        ),
        // A single section may go untitled; several may not.
        (WhatsApp, list_with(row("a", "b"), |l| l.sections[0].title.clear()), None),
        (
            WhatsApp,
            {
                let mut msg = list(2, 1);
                msg.list.as_mut().unwrap().sections[1].title.clear();
                msg
            },
            err("WhatsApp needs a title on every list section once there are several"),
        ),
        (
            WhatsApp,
            OutboundMessage { footer: Some(x(61)), ..list(1, 1) },
            err("WhatsApp allows at most 60 characters in a footer; this one has 61"),
        ),
        (WhatsApp, OutboundMessage { text: x(4096), ..list(1, 1) }, None),
        (
            WhatsApp,
            OutboundMessage { text: x(4097), ..list(1, 1) },
            err("WhatsApp allows at most 4096 characters of text; this message has 4097"),
        ),
        (
            WhatsApp,
            OutboundMessage { buttons: vec![Choice::new("OK", "ok")], ..list(1, 1) },
            err("WhatsApp cannot send a list together with buttons or quick replies; send them as separate messages"),
        ),
        (
            Messenger,
            OutboundMessage { quick_replies: vec![Choice::new("OK", "ok")], ..list(1, 1) },
            err("Messenger cannot send a list together with buttons or quick replies; send them as separate messages"),
        ),
        (WhatsApp, list(1, 0), err("WhatsApp lists need at least one row")),
        (Telegram, list_with(row("a", " "), |_| ()), err("Telegram list rows need a title")),
        (Instagram, list_with(row("", "b"), |_| ()), err("the list row \"b\" needs an id")),
        // Telegram: each row id is a callback_data of at most 64 bytes; no count limit.
        (Telegram, list(3, 10), None),
        (Telegram, list_with(row(&x(64), "b"), |_| ()), None),
        (
            Telegram,
            list_with(row(&e(33), "b"), |_| ()),
            err("Telegram allows at most 64 bytes in a list row id; the id of \"b\" has 66"),
        ),
        // Messenger/Instagram: any list is sendable (quick replies or text); only the text counts.
        (Messenger, list(2, 10), None),
        (Instagram, OutboundMessage { text: e(500), ..list(1, 13) }, None),
        (
            Instagram,
            OutboundMessage { text: e(500), ..list(1, 14) },
            err("Instagram allows at most 1000 bytes of text; this message has 1164"),
        ),
    ];
    for (i, (platform, msg, expected)) in rows.iter().enumerate() {
        let actual = check_limits(*platform, msg).err().map(|e| e.to_string());
        assert_eq!(&actual, expected, "row {i} ({platform})");
    }
}
