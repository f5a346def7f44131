"""Account pages, one module per journey: login (password, then TOTP), the second factor's
enrolment, registration, passwords, the profile and API tokens, identity checks at the counter."""
