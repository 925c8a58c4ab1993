--
-- omnichannel.normalize_subject: the base subject used to match e-mail-like
-- interactions to a thread.  RFC 5256 section 2.1 plus reply and forward
-- prefixes in many languages, white space folded, NFKC case-folded.
-- Rules: docs/subjects.md.
--
SET search_path = public, omnichannel;
SET client_min_messages = warning;

-- Real-world subjects in many languages and their base subjects
CREATE TEMP TABLE subjects (n int PRIMARY KEY, lang text, subject text);
INSERT INTO subjects VALUES
    (1,  'en', 'Re: Meeting tomorrow'),
    (2,  'en', 'RE: re: Re:Meeting tomorrow'),
    (3,  'en', 'Fwd: Fw: FW: Quarterly report'),
    (4,  'en', 'Re[2]: Quarterly report'),
    (5,  'en', 'Re(3): Quarterly report'),
    (6,  'en', 'RE^2: Quarterly report'),
    (7,  'en', 'Re [PATCH]: fix the build'),
    (8,  'en', '[omnichannel-dev] Re: release plan'),
    (9,  'en', 'Re: [omnichannel-dev] Re: release plan'),
    (10, 'en', '[EXTERNAL] RE: [EXTERNAL] Invoice overdue'),
    (11, 'en', 'Fwd: Invoice overdue (fwd)'),
    (12, 'en', '[Fwd: Invoice overdue]'),
    (13, 'en', '[Fwd: Re: Invoice overdue] (fwd)'),
    (14, 'en', 'Re: [#T123] Order A-1234 delayed'),
    (15, 'en', 'Re: Fwd: Your ticket [#T123] has been updated'),
    (16, 'de', 'AW: Ihre Bestellung 4711'),
    (17, 'de', 'WG: AW: Rechnung Nr. 42'),
    (18, 'de', 'AW: WG: [support] Re[2]: Rechnung  Nr. 42 (fwd)'),
    (19, 'de', 'Antw: Angebot für Straße 5'),
    (20, 'de', 'Wtr: Lieferung verspätet'),
    (21, 'sv', 'SV: Beställning 88'),
    (22, 'sv', 'VB: Sv: Beställning 88'),
    (23, 'da', 'VS: SV: Tilbud på køkken'),
    (24, 'no', 'Sv: Vs: Faktura for mars'),
    (25, 'is', 'Fs: Pöntun'),
    (26, 'fi', 'VL: VS: Tilaus 12'),
    (27, 'nl', 'Antw: Bestelling 77'),
    (28, 'nl', 'Doorst: Antw: Bestelling 77'),
    (29, 'pl', 'Odp: Zamówienie nr 5'),
    (30, 'pl', 'PD: Odp: Reklamacja towaru'),
    (31, 'pl', 'Odp: PD: ŻÓŁTA KOSZULKA'),
    (32, 'cs', 'Odp: PŘ: Objednávka 9'),
    (33, 'ro', 'Răsp: Comanda 7'),
    (34, 'ro', 'RE: Redirecționat: Factură restantă'),
    (35, 'ro', 'Redirecţionat: Factură restantă'),
    (36, 'ro', 'TR: Răsp: Ștergere cont'),
    (37, 'ru', 'Ответ: Заказ 12'),
    (38, 'ru', 'Отв: Re: Заказ 12'),
    (39, 'ru', 'НА: Пересл: Возврат товара'),
    (40, 'ru', 'Пересл: ОТВЕТ: Возврат товара'),
    (41, 'es', 'RE: Pedido 31'),
    (42, 'es', 'RV: RE: Pedido 31'),
    (43, 'es', 'Rv: Fwd: Devolución del pedido'),
    (44, 'pt', 'RES: Encomenda 8'),
    (45, 'pt', 'ENC: RES: Encomenda 8'),
    (46, 'pt', 'Enc: Não recebi o produto'),
    (47, 'it', 'R: Ordine 15'),
    (48, 'it', 'RIF: Ordine 15'),
    (49, 'it', 'I: R: Ordine 15'),
    (50, 'it', 'Inoltro: Fattura'),
    (51, 'fr', 'RE : Commande 19'),
    (52, 'fr', 'TR : RE : Commande 19'),
    (53, 'fr', 'Réf. : Commande 19'),
    (54, 'fr', 'Tr: Réclamation colis'),
    (55, 'zh', '回复：订单问题'),
    (56, 'zh', '转发: 回复: 订单问题'),
    (57, 'zh', '答复: 发票'),
    (58, 'zh', '回覆：訂單查詢'),
    (59, 'zh', '轉寄：轉發：訂單查詢'),
    (60, 'zh', 'RE：回复：退款'),
    (61, 'ko', '회신: 전달: 주문 확인'),
    (62, 'tr', 'YNT: Sipariş 3'),
    (63, 'tr', 'İLT: YNT: Sipariş 3'),
    (64, 'el', 'ΑΠ: Παραγγελία 4'),
    (65, 'el', 'ΣΧΕΤ: ΠΡΘ: Παραγγελία 4'),
    (66, 'hu', 'VÁ: Rendelés 6'),
    (67, 'hu', 'TOV: VÁ: Rendelés 6'),
    (68, 'ja', 'RE: 注文の確認'),
    (69, 'fw', 'ＲＥ：Ｏｒｄｅｒ　４２'),
    (70, 'fw', 'Ｒｅ［２］：ｆｗｄ：Ｏｒｄｅｒ　４２'),
    (71, 'en', 'Re: Café'),
    (72, 'en', E'Re: Cafe\u0301'),
    (73, 'en', 'Re: ﬁnal ﬁgures'),
    (74, 'da', 'Sv: Re: Kundeservice'),
    (75, 'pl', 'ODP: Faktura VAT 2024/05'),
    (76, 'it', 'Rif: R: I: Preventivo'),
    (77, 'en', '[a] [b]'),
    (78, 'en', '[only a tag]'),
    (79, 'en', 'Fwd: [Fwd: [Fwd: deep]]'),
    (80, 'en', 'Re: Re: Fwd: AW: SV: Odp: 回复: Ответ: mixed chain'),
    (81, 'en', 'Re: Re'),
    (82, 'en', 'Fwd: re: RE: ΑΠ: Παραγγελία 4');

SELECT n, lang, subject, normalize_subject(subject) AS base
  FROM subjects ORDER BY n;

-- White space (Unicode White_Space) and control characters fold to one
-- space; zero-width and other default-ignorable characters disappear;
-- decomposed and composed letters are equal (NFKC)
SELECT to_json(s)::text AS subject, normalize_subject(s) AS base
  FROM (VALUES (E'  Re:   Order   A-1234\tdelayed  '),
               (E'Re:\u00a0Hello\u2003World'),
               (E'Re: Hello\r\n World'),
               (E'\u3000Re:\u3000Hello'),
               (E'Re: a\u2028b\u0085c'),
               (E'Re: a\u0001b\u007fc'),
               (E'\u200bRe: zero width'),
               (E'\ufeffRe: byte order mark'),
               (E'RE\u202f: Commande')) AS v(s);
SELECT normalize_subject(E'Re: Cafe\u0301') = 'café' AS decomposed_equal,
       normalize_subject('Re: Café') = 'café' AS composed_equal;

-- normalizing twice changes nothing (expect none)
SELECT n, subject FROM subjects
 WHERE normalize_subject(normalize_subject(subject)) <> normalize_subject(subject);

-- one conversation across clients and languages: one base subject each
SELECT normalize_subject(s) AS base, count(*) AS spellings
  FROM (VALUES ('Order A-1234 delayed'), ('Re: Order A-1234 delayed'),
               ('AW: RE: order a-1234 DELAYED'), ('Odp: Order  A-1234 delayed'),
               ('[Fwd: Order A-1234 delayed]'), ('回复：Order A-1234 delayed'),
               ('ＲＥ：ＯＲＤＥＲ　Ａ－１２３４　ＤＥＬＡＹＥＤ')) AS v(s)
 GROUP BY 1;

-- Look-alikes that are not prefixes: nothing is lost
SELECT s AS subject, normalize_subject(s) AS base
  FROM (VALUES ('Reunion: planning'), ('Sv meeting'), ('Sv'),
               ('R2D2: status'), ('Re 2: x'), ('Re(x): y'), ('Recall: notice'),
               ('Info: printers'), ('Dr: appointment'), ('Re-order: widgets'),
               ('Ответы: вопросы'), ('Order 42 re: delivery'),
               ('Delivery (fwd) status'), ('I love it'), ('回复'),
               ('Subject: re: x'), ('[Fwd: unbalanced')) AS v(s);

-- NULL in, NULL out (STRICT); empty means no subject evidence
SELECT normalize_subject(NULL) IS NULL AS null_is_null;
SELECT to_json(s)::text AS subject, normalize_subject(s) = '' AS no_evidence
  FROM (VALUES (''), ('   '), (E'\t\r\n'), ('Re:'), ('RE: Fwd: AW:'),
               ('[list] Re:'), ('(fwd)'), ('[Fwd: ]'), ('回复：')) AS v(s);

-- Long input: only the first 4096 bytes are read, the result is at most
-- 4096 bytes; a multi-byte character across the bound is left out whole
SELECT length(normalize_subject(repeat('a', 5000))) AS ascii_5000,
       length(normalize_subject('Re: ' || repeat('b', 5000))) AS after_prefix,
       octet_length(normalize_subject(repeat('a', 4095) || 'é')) AS cut_char,
       octet_length(normalize_subject(repeat('ﷺ', 2000))) <= 4096 AS expansion_bounded,
       normalize_subject(repeat(' ', 3000) || 'Re: hello') AS spaces_first;
-- a large TOASTed subject is read only in part
CREATE TEMP TABLE big (subject text);
INSERT INTO big SELECT 'Re: ' || string_agg(md5(i::text), ' ') FROM generate_series(1, 40000) i;
SELECT octet_length(subject) > 1000000 AS big_input,
       octet_length(normalize_subject(subject)) AS base_bytes,
       normalize_subject(subject) = normalize_subject(left(subject, 4096)) AS same_as_prefix
  FROM big;

-- Catalog: immutable, strict, parallel safe, documented
SELECT p.oid::regprocedure AS function, p.provolatile AS vol,
       p.proisstrict AS strict, p.proparallel AS par,
       obj_description(p.oid, 'pg_proc') LIKE '%ICU%' AS comment_names_icu
  FROM pg_proc p WHERE p.oid = 'omnichannel.normalize_subject(text)'::regprocedure;
