-- customer_name_key(name): a customer's name as tieout compares it, the one normalisation that
-- canonical.customer.normalized_name, the matcher, CUSTOMER_NAME_MISMATCH and Python
-- (sql.customer_name.normalized) all use. Case, accents ("Zürich" is "zurich"), dots and
-- apostrophes ("S.r.l." is "srl"), other punctuation, `&`/`and` and spacing do not tell companies
-- apart; nor do the abbreviations of common business words (each is spelled out) or the legal
-- forms of ISO 20275 at the end of the name ("GmbH & Co. KG", "Pty Ltd", "PLC", "SE", ...).
CREATE OR REPLACE TEMP MACRO customer_name_key(name) AS nullif(regexp_replace(
    array_to_string(list_transform(
        string_split(trim(regexp_replace(regexp_replace(regexp_replace(
            replace(strip_accents(lower(name)), '&', ' and '),
            '[.''’]', '', 'g'), '[^\p{L}\p{N}]+', ' ', 'g'), '\s+', ' ', 'g')), ' '),
        lambda word: coalesce(map_extract_value(MAP {
            'intl': 'international', 'eng': 'engineering', 'engg': 'engineering',
            'env': 'environmental', 'envtl': 'environmental', 'mfg': 'manufacturing', 'mfrs': 'manufacturers',
            'svcs': 'services', 'svc': 'services', 'srvcs': 'services', 'assoc': 'associates',
            'assocs': 'associates', 'bros': 'brothers', 'grp': 'group', 'hldgs': 'holdings', 'hldg': 'holding',
            'tech': 'technology', 'techs': 'technologies', 'sys': 'systems', 'mgmt': 'management',
            'mgt': 'management', 'cnsltg': 'consulting', 'consltg': 'consulting', 'natl': 'national',
            'mktg': 'marketing', 'devel': 'development', 'distr': 'distribution', 'inds': 'industries',
            'pharm': 'pharmaceuticals', 'comms': 'communications',
            'finl': 'financial', 'govt': 'government', 'ctr': 'center', 'assn': 'association',
            'univ': 'university', 'invts': 'investments', 'prods': 'products', 'solns': 'solutions',
            'sols': 'solutions', 'transp': 'transportation', 'constr': 'construction', 'eqpt': 'equipment',
            'labs': 'laboratories'}, word), word)),
        ' '),
    ' (gmbh and co kgaa|gmbh and co kg|gmbh and co ohg|ag and co kg|se and co kg|ltd and co kg|co ltd|pty ltd|'
    'pty|proprietary limited|limited liability company|gesellschaft mit beschrankter haftung|incorporated|inc|corporation|corp|llc|llp|lllp|lp|limited|ltd|plc|cic|gmbh|mbh|ggmbh|'
    'ug|ag|kgaa|kg|ohg|ev|se|sa|sas|sasu|sarl|sca|scs|snc|srl|srls|spa|sapa|bv|nv|cv|vof|ab|as|asa|aps|oy|oyj|'
    'sl|slu|sro|kk|kft|zrt|nyrt|sp z oo|spzoo|doo|dd|ad|ead|ltda|sab de cv|sa de cv|bhd|sdn bhd|pte ltd|pvt ltd)+$',
    ''), '');
