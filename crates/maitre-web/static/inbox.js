// maitre inbox: live updates over Server-Sent Events and the composer's canned responses. No framework; every
// form also works without this file.
(function () {
  "use strict";

  // Live: an element marked data-live is re-fetched from data-refresh (its own HTML fragment) when an event from
  // the page's live connection (live.js) concerns it. With data-conversation, only that conversation's events
  // count.
  // The thread page has two: the thread, and the list of open conversations beside it.
  Array.prototype.forEach.call(document.querySelectorAll("[data-live]"), function (live) {
    var pending = null;
    var refresh = function () {
      pending = null;
      fetch(live.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          // The thread scrolls from its newest message; a member reading further up stays where they were.
          var before = live.querySelector(".thread-scroll");
          var kept = before ? before.scrollTop : 0;
          live.innerHTML = html;
          var after = live.querySelector(".thread-scroll");
          if (after && kept !== 0) { after.scrollTop = kept; }
        })
        .catch(function () {});
    };
    // live.js sends a resync after its connection dropped and came back.
    document.addEventListener("maitre:live", function (e) {
      var event = e.detail || {};
      var mine = live.dataset.conversation;
      var relevant = event.type === "resync" ||
        (event.conversation_id && (!mine || event.conversation_id === mine));
      // Several events of one change arrive together: fetch once.
      if (relevant && !pending) { pending = setTimeout(refresh, 50); }
    });
  });

  // Composer: pick a canned response from the list, or type "/" and part of its shortcut.
  var text = document.getElementById("reply-text");
  var pick = document.getElementById("canned-pick");
  var suggest = document.getElementById("canned-suggest");
  if (!text || !pick || !suggest) { return; }
  var options = Array.prototype.slice.call(pick.options).filter(function (o) { return o.value; });

  var insert = function (option, replaceFrom) {
    var end = text.selectionStart;
    var start = replaceFrom === undefined ? end : replaceFrom;
    text.value = text.value.slice(0, start) + option.dataset.body + text.value.slice(end);
    var caret = start + option.dataset.body.length;
    text.setSelectionRange(caret, caret);
    pick.value = option.value;
    suggest.hidden = true;
    text.focus();
  };

  pick.addEventListener("change", function () {
    var chosen = pick.options[pick.selectedIndex];
    if (chosen && chosen.value) { insert(chosen); }
  });

  // The "/word" just before the caret, if any.
  var slashWord = function () {
    var before = text.value.slice(0, text.selectionStart);
    var m = /(^|\s)\/([\w-]*)$/.exec(before);
    return m ? { at: before.length - m[2].length - 1, word: m[2].toLowerCase() } : null;
  };

  text.addEventListener("input", function () {
    var w = slashWord();
    suggest.innerHTML = "";
    var matches = w ? options.filter(function (o) { return o.dataset.shortcut.indexOf(w.word) === 0; }) : [];
    matches.forEach(function (o, i) {
      var li = document.createElement("li");
      li.textContent = "/" + o.dataset.shortcut + " — " + o.dataset.body;
      li.tabIndex = -1;
      if (i === 0) { li.className = "active"; }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); insert(o, slashWord().at); });
      suggest.appendChild(li);
    });
    suggest.hidden = matches.length === 0;
  });

  text.addEventListener("keydown", function (e) {
    if (suggest.hidden || (e.key !== "Enter" && e.key !== "Tab")) { return; }
    var w = slashWord();
    var first = w && options.filter(function (o) { return o.dataset.shortcut.indexOf(w.word) === 0; })[0];
    if (first) { e.preventDefault(); insert(first, w.at); }
  });
})();
