-- The rest of a partner's portal brand: a support telephone number and the
-- footer text. Both optional: without them the portal shows the e-mail
-- contact only and a footer made from the partner's name.
ALTER TABLE control.partners
    -- Digits with the separators people write (+, spaces, brackets, dashes); dialled from the digits and +.
    ADD COLUMN support_phone text CHECK (support_phone ~ '^\+?[0-9][0-9 ()-]{2,29}$'),
    ADD COLUMN footer_text text CHECK (length(footer_text) BETWEEN 1 AND 300);
