nav-label = Main
nav-home = Home
nav-settings = Settings
nav-team = Team
nav-tokens = API tokens
nav-accounts = Accounts
nav-new-account = New business
nav-profile = Profile
nav-sessions = Sessions
nav-sign-out = Sign out

role-owner = Owner
role-admin = Admin
role-agent = Agent
role-viewer = Viewer

lang-en = English
lang-de = Deutsch
lang-fr = Français

field-business-name = Business name
field-your-name = Name
field-name = Name
field-email = Email
field-password = Password
field-new-password = New password
field-current-password = Current password
field-time-zone = Time zone
field-locale = Language for guests
field-ui-language = Language
field-country = Country (ISO code)
field-currency = Currency (ISO code)
field-role = Role

action-save = Save
action-create = Create
action-remove = Remove
action-remove-confirm = Yes, remove
action-revoke = Revoke

signup-title = Create your business
signup-intro = One account for your restaurant, salon or practice. You can invite your team later.
signup-submit = Create account
signup-have-account = Already have an account?
signin-title = Sign in
signin-submit = Sign in
signin-forgot = Forgot your password?
signin-failed = Email or password is wrong.
signin-throttled = Too many failed sign-ins. Try again in { $minutes } minutes or reset your password.

forgot-title = Reset your password
forgot-intro = Enter your email and we will send you a link to choose a new password.
forgot-submit = Send link
forgot-sent = If an account exists for this email, we have sent a link. Check your inbox.
reset-title = Choose a new password
reset-submit = Set password
reset-invalid = This link is invalid, already used or expired. Request a new one.
reset-mail-subject = Reset your maitre password
reset-mail-body = Hello { $name }, open this link to choose a new password:
reset-mail-expiry = The link works once and expires in { $minutes } minutes. If you did not ask for it, ignore this email.

flash-welcome = Welcome, { $name }!
flash-signed-out = You are signed out.
flash-saved = Saved.
flash-password-reset = Your password has been changed. Sign in with the new one.
flash-password-changed = Password changed. Every session has ended; sign in again.
flash-session-ended = Session ended.
flash-member-removed = { $email } was removed from the team.
flash-token-revoked = Token revoked.

home-role = Your role
home-empty-title = Nothing here yet
home-empty-text = Connect Instagram, WhatsApp, Messenger or Telegram to start receiving messages. Meanwhile, check your business settings.
home-empty-action = Open settings

settings-title = Business settings

team-title = Team
team-you = you
team-remove-confirm = This person loses access to this business.
team-invites-later = To add someone, ask an operator to run `maitre admin add-member` (email invitations are coming).

tokens-title = API tokens
tokens-intro = Tokens let scripts use the API at /api/v1 with the role you choose. Send them as "Authorization: Bearer …".
tokens-empty = No API tokens yet.
tokens-new = New token
tokens-created = Created
tokens-last-used = Last used
tokens-created-once = Copy this token now. It will not be shown again.
tokens-revoke-confirm = Scripts using this token will stop working.

password-change = Change password
password-change-note = Changing your password signs you out everywhere.
password-current-wrong = The current password is wrong.

sessions-device = Device
sessions-started = Started
sessions-last-seen = Last active
sessions-this = this browser
sessions-end = End

nav-channels = Channels
channels-title = Channels
channels-empty = No channel connected yet. Connect a Telegram bot or a WhatsApp number below; Instagram and Messenger connect through your Meta app.
channels-checked = checked
channels-token-expires = Token expires
channels-token-expires-soon = reconnect soon, or messages will stop.
channels-auto-reply = Automatic reply to every new message (empty: none)
channels-auto-reply-placeholder = Thanks for your message! We will answer shortly.
channels-verify = Check connection
channels-disconnect = Disconnect
channels-disconnect-confirm = Conversations and messages of this channel are deleted from maitre.
channels-connect = Connect
channels-connect-telegram = Connect a Telegram bot
channels-telegram-help = Create a bot with @BotFather and paste its token. maitre registers its webhook itself.
channels-bot-token = Bot token
channels-connect-whatsapp = Connect a WhatsApp number
channels-whatsapp-help = From Meta's WhatsApp Manager: the phone number ID and a system-user access token with whatsapp_business_messaging.
channels-phone-number-id = Phone number ID
channels-system-user-token = Access token
channels-whatsapp-id-invalid = The phone number ID is the long number shown in WhatsApp Manager (digits only).
channels-meta-webhook = Meta webhook
channels-meta-webhook-help = In your Meta app, subscribe Instagram, Page and WhatsApp Business Account webhooks to this callback URL with your verify token.
channel-status-connected = Connected
channel-status-invalid = Token invalid
channel-status-needs-attention = Needs attention
channel-status-needs-reconnect = Reconnect needed
flash-channel-connected = Channel connected.
flash-channel-checked = Connection checked.
flash-channel-removed = Channel disconnected.
