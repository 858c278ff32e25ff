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

nav-channels = Kanäle
channels-title = Kanäle
channels-empty = Noch kein Kanal verbunden. Verbinden Sie unten einen Telegram-Bot oder eine WhatsApp-Nummer; Instagram und Messenger verbinden Sie über Ihre Meta-App.
channels-checked = geprüft
channels-token-expires = Token läuft ab am
channels-token-expires-soon = bald neu verbinden, sonst kommen keine Nachrichten mehr an.
channels-auto-reply = Automatische Antwort auf jede neue Nachricht (leer: keine)
channels-auto-reply-placeholder = Danke für Ihre Nachricht! Wir antworten gleich.
channels-verify = Verbindung prüfen
channels-disconnect = Trennen
channels-disconnect-confirm = Unterhaltungen und Nachrichten dieses Kanals werden aus maitre gelöscht.
channels-connect = Verbinden
channels-connect-telegram = Telegram-Bot verbinden
channels-telegram-help = Legen Sie mit @BotFather einen Bot an und fügen Sie sein Token ein. maitre richtet den Webhook selbst ein.
channels-bot-token = Bot-Token
channels-connect-whatsapp = WhatsApp-Nummer verbinden
channels-whatsapp-help = Aus dem WhatsApp Manager von Meta: die Telefonnummer-ID und ein System-User-Token mit whatsapp_business_messaging.
channels-phone-number-id = Telefonnummer-ID
channels-system-user-token = Zugriffstoken
channels-whatsapp-id-invalid = Die Telefonnummer-ID ist die lange Zahl im WhatsApp Manager (nur Ziffern).
channels-meta-webhook = Meta-Webhook
channels-meta-webhook-help = Abonnieren Sie in Ihrer Meta-App die Webhooks für Instagram, Page und WhatsApp Business Account mit dieser Callback-URL und Ihrem Verify-Token.
channel-status-connected = Verbunden
channel-status-invalid = Token ungültig
channel-status-needs-attention = Braucht Aufmerksamkeit
channel-status-needs-reconnect = Neu verbinden
flash-channel-connected = Kanal verbunden.
flash-channel-checked = Verbindung geprüft.
flash-channel-removed = Kanal getrennt.
