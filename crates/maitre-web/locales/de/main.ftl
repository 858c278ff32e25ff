nav-label = Hauptmenü
nav-home = Start
nav-settings = Einstellungen
nav-team = Team
nav-tokens = API-Tokens
nav-accounts = Konten
nav-new-account = Neues Unternehmen
nav-profile = Profil
nav-sessions = Sitzungen
nav-sign-out = Abmelden

role-owner = Inhaber
role-admin = Admin
role-agent = Mitarbeiter
role-viewer = Nur lesen

lang-en = English
lang-de = Deutsch
lang-fr = Français

field-business-name = Name des Unternehmens
field-your-name = Name
field-name = Name
field-email = E-Mail
field-password = Passwort
field-new-password = Neues Passwort
field-current-password = Aktuelles Passwort
field-time-zone = Zeitzone
field-locale = Sprache für Gäste
field-ui-language = Sprache
field-country = Land (ISO-Code)
field-currency = Währung (ISO-Code)
field-role = Rolle

action-save = Speichern
action-create = Anlegen
action-remove = Entfernen
action-remove-confirm = Ja, entfernen
action-revoke = Widerrufen

signup-title = Unternehmen anlegen
signup-intro = Ein Konto für Ihr Restaurant, Ihren Salon oder Ihre Praxis. Ihr Team können Sie später einladen.
signup-submit = Konto anlegen
signup-have-account = Schon ein Konto?
signin-title = Anmelden
signin-submit = Anmelden
signin-forgot = Passwort vergessen?
signin-failed = E-Mail oder Passwort ist falsch.
signin-throttled = Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in { $minutes } Minuten erneut oder setzen Sie Ihr Passwort zurück.

forgot-title = Passwort zurücksetzen
forgot-intro = Geben Sie Ihre E-Mail-Adresse ein; wir schicken Ihnen einen Link für ein neues Passwort.
forgot-submit = Link senden
forgot-sent = Falls es ein Konto mit dieser E-Mail gibt, haben wir einen Link geschickt. Sehen Sie in Ihr Postfach.
reset-title = Neues Passwort wählen
reset-submit = Passwort setzen
reset-invalid = Dieser Link ist ungültig, schon benutzt oder abgelaufen. Fordern Sie einen neuen an.
reset-mail-subject = Ihr maitre-Passwort zurücksetzen
reset-mail-body = Hallo { $name }, öffnen Sie diesen Link, um ein neues Passwort zu wählen:
reset-mail-expiry = Der Link funktioniert einmal und läuft in { $minutes } Minuten ab. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.

flash-welcome = Willkommen, { $name }!
flash-signed-out = Sie sind abgemeldet.
flash-saved = Gespeichert.
flash-password-reset = Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen an.
flash-password-changed = Passwort geändert. Alle Sitzungen wurden beendet; melden Sie sich erneut an.
flash-session-ended = Sitzung beendet.
flash-member-removed = { $email } wurde aus dem Team entfernt.
flash-token-revoked = Token widerrufen.

home-role = Ihre Rolle
home-empty-title = Noch nichts hier
home-empty-text = Verbinden Sie Instagram, WhatsApp, Messenger oder Telegram, um Nachrichten zu empfangen. Prüfen Sie bis dahin Ihre Unternehmenseinstellungen.
home-empty-action = Einstellungen öffnen

settings-title = Unternehmenseinstellungen

team-title = Team
team-you = Sie
team-remove-confirm = Diese Person verliert den Zugang zu diesem Unternehmen.
team-invites-later = Um jemanden hinzuzufügen, bitten Sie einen Betreiber, `maitre admin add-member` auszuführen (Einladungen per E-Mail kommen bald).

tokens-title = API-Tokens
tokens-intro = Mit Tokens nutzen Skripte die API unter /api/v1 mit der gewählten Rolle. Senden Sie sie als „Authorization: Bearer …“.
tokens-empty = Noch keine API-Tokens.
tokens-new = Neues Token
tokens-created = Angelegt
tokens-last-used = Zuletzt benutzt
tokens-created-once = Kopieren Sie dieses Token jetzt. Es wird nicht noch einmal angezeigt.
tokens-revoke-confirm = Skripte mit diesem Token funktionieren dann nicht mehr.

password-change = Passwort ändern
password-change-note = Wenn Sie Ihr Passwort ändern, werden Sie überall abgemeldet.
password-current-wrong = Das aktuelle Passwort ist falsch.

sessions-device = Gerät
sessions-started = Begonnen
sessions-last-seen = Zuletzt aktiv
sessions-this = dieser Browser
sessions-end = Beenden
