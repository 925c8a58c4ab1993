-- ---------------------------------------------------------------------------
-- demo/sample.sql: a deterministic multilingual sample for omnichannel.
--
--   psql -v ON_ERROR_STOP=1 -f demo/sample.sql      (after CREATE EXTENSION)
--
-- Anchor: "today" is 2026-11-20; every interaction happened in the twelve
-- months up to 2026-11-20 12:00 UTC, so the output does not depend on the day
-- the sample is loaded.  Randomness comes from setseed(0.42) and random()
-- called only in single-table scans, so every load gives the same rows.
--
-- What it loads (through the real ingest path: plain INSERT, triggers):
--   * about 2,400 named customers (Romanian, Polish, Russian, Spanish,
--     English), imported with their identifiers: e-mail (some with IDN
--     domains, some with a second work address), E.164 phone, WhatsApp,
--     Telegram, Twitter, Facebook, web visitor id and CRM id;
--   * about 60,000 interactions on all 13 channels: e-mail threads whose
--     replies carry In-Reply-To/References Message-IDs, IVR legs handed to a
--     live agent, chats and chatbot hand-offs, SMS notifications, WhatsApp
--     and Telegram conversations, public social complaints moved to a private
--     channel and closed publicly, web forms answered by e-mail, forum posts,
--     branch visits with internal notes, video calls, letters;
--   * a few hundred contacts from unknown visitors and handles, for which
--     ingest creates (nameless) customers on first sight;
--   * the seed documents' scenario: Jan Kowalski (email:jan.kowalski@example.pl,
--     tel:+48601234567) wrote an e-mail about order A-1234, phoned last week
--     (IVR: orders > delivery status) and opens a web chat today.
-- ---------------------------------------------------------------------------

SET client_min_messages = warning;
SET TimeZone = 'UTC';                       -- interval arithmetic independent of the session
SET max_parallel_workers_per_gather = 0;    -- keep random() evaluation order fixed
SET synchronize_seqscans = off;
SELECT setseed(0.42) \gset

-- ---------------------------------------------------------------------------
-- Vocabulary
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_anchor AS
SELECT timestamptz '2026-11-20 12:00:00+00' AS t;

CREATE TEMP TABLE demo_lang (lang text PRIMARY KEY, cc text, country text,
                             domains text[], idn_domain text, work_domain text,
                             branches text[], agents text[]);
INSERT INTO demo_lang VALUES
 ('ro', '+40', 'RO', '{gmail.com,yahoo.ro,outlook.com,rdslink.ro}', 'poștă-rapidă.ro', 'companie.ro',
  '{București,Cluj-Napoca,Iași,Timișoara}', '{ana.ionescu,mihai.pop,ioana.radu,vlad.stan}'),
 ('pl', '+48', 'PL', '{wp.pl,onet.pl,gmail.com,interia.pl,o2.pl}', 'żółty-kot.pl', 'firma.com.pl',
  '{Warszawa,Kraków,Gdańsk,Łódź}', '{marta.nowak,piotr.zielinski,ewa.kaczmarek,adam.lis}'),
 ('ru', '+7',  'RU', '{mail.ru,yandex.ru,gmail.com,rambler.ru}', 'почта.рф', 'kompaniya.ru',
  '{Москва,Санкт-Петербург,Казань}', '{olga.ivanova,dmitry.orlov,irina.sokolova,pavel.kim}'),
 ('es', '+34', 'ES', '{gmail.com,hotmail.es,telefonica.net,yahoo.es}', 'correo-españa.es', 'empresa.es',
  '{Madrid,Sevilla,A Coruña,Logroño}', '{lucia.garcia,pablo.ruiz,carmen.vidal,diego.soto}'),
 ('en', '+44', 'GB', '{gmail.com,outlook.com,btinternet.com,yahoo.co.uk}', 'café-mail.co.uk', 'company.co.uk',
  '{London,Manchester,Leeds}', '{tom.baker,sarah.hill,raj.patel,emma.ford}');

-- Names: display form and the ASCII form used in addresses.  Polish and
-- Russian surnames have a feminine form; Spanish customers get two surnames.
CREATE TEMP TABLE demo_names (lang text, gender char, firsts text[], firsts_ascii text[],
                              lasts text[], lasts_ascii text[]);
INSERT INTO demo_names VALUES
 ('ro', 'm', '{Andrei,Mihai,Ștefan,Ionuț,Bogdan,Cătălin,Răzvan,Alexandru,Florin,Tudor}',
             '{andrei,mihai,stefan,ionut,bogdan,catalin,razvan,alexandru,florin,tudor}',
  '{Popescu,Ionescu,Mureșan,Pătrașcu,Țurcanu,Bălan,Stănescu,Dumitrașcu,Lăcătuș,Munteanu,Șerban,Tănase,Sârbu,Cîrstea,Vîlcu,Mihăilă,Neagoe,Ciobanu}',
  '{popescu,ionescu,muresan,patrascu,turcanu,balan,stanescu,dumitrascu,lacatus,munteanu,serban,tanase,sarbu,cirstea,vilcu,mihaila,neagoe,ciobanu}'),
 ('ro', 'f', '{Ioana,Andreea,Cătălina,Mădălina,Elena,Alexandra,Ștefania,Irina,Bianca,Oana}',
             '{ioana,andreea,catalina,madalina,elena,alexandra,stefania,irina,bianca,oana}',
  '{Popescu,Ionescu,Mureșan,Pătrașcu,Țurcanu,Bălan,Stănescu,Dumitrașcu,Lăcătuș,Munteanu,Șerban,Tănase,Sârbu,Cîrstea,Vîlcu,Mihăilă,Neagoe,Ciobanu}',
  '{popescu,ionescu,muresan,patrascu,turcanu,balan,stanescu,dumitrascu,lacatus,munteanu,serban,tanase,sarbu,cirstea,vilcu,mihaila,neagoe,ciobanu}'),
 ('pl', 'm', '{Piotr,Krzysztof,Tomasz,Paweł,Michał,Łukasz,Grzegorz,Mikołaj,Wojciech,Andrzej}',
             '{piotr,krzysztof,tomasz,pawel,michal,lukasz,grzegorz,mikolaj,wojciech,andrzej}',
  '{Wiśniewski,Wójcik,Kamiński,Lewandowski,Zieliński,Szymański,Woźniak,Dąbrowski,Kozłowski,Mazur,Nowak,Pawłowski,Król,Jabłoński,Żak,Górski,Ćwiek,Kaźmierczak,Węgrzyn,Ziółkowski}',
  '{wisniewski,wojcik,kaminski,lewandowski,zielinski,szymanski,wozniak,dabrowski,kozlowski,mazur,nowak,pawlowski,krol,jablonski,zak,gorski,cwiek,kazmierczak,wegrzyn,ziolkowski}'),
 ('pl', 'f', '{Anna,Małgorzata,Agnieszka,Katarzyna,Zofia,Joanna,Magdalena,Elżbieta,Jadwiga,Urszula}',
             '{anna,malgorzata,agnieszka,katarzyna,zofia,joanna,magdalena,elzbieta,jadwiga,urszula}',
  '{Wiśniewska,Wójcik,Kamińska,Lewandowska,Zielińska,Szymańska,Woźniak,Dąbrowska,Kozłowska,Mazur,Nowak,Pawłowska,Król,Jabłońska,Żak,Górska,Ćwiek,Kaźmierczak,Węgrzyn,Ziółkowska}',
  '{wisniewska,wojcik,kaminska,lewandowska,zielinska,szymanska,wozniak,dabrowska,kozlowska,mazur,nowak,pawlowska,krol,jablonska,zak,gorska,cwiek,kazmierczak,wegrzyn,ziolkowska}'),
 ('ru', 'm', '{Иван,Алексей,Дмитрий,Сергей,Андрей,Михаил,Николай,Юрий,Павел,Егор}',
             '{ivan,aleksey,dmitry,sergey,andrey,mikhail,nikolay,yuriy,pavel,egor}',
  '{Иванов,Смирнов,Кузнецов,Попов,Соколов,Лебедев,Козлов,Новиков,Морозов,Волков,Фёдоров,Михайлов,Жуков,Орлов,Зайцев}',
  '{ivanov,smirnov,kuznetsov,popov,sokolov,lebedev,kozlov,novikov,morozov,volkov,fedorov,mikhaylov,zhukov,orlov,zaytsev}'),
 ('ru', 'f', '{Анна,Мария,Ольга,Елена,Татьяна,Наталья,Юлия,Екатерина,Ксения,Дарья}',
             '{anna,maria,olga,elena,tatiana,natalia,yulia,ekaterina,ksenia,daria}',
  '{Иванова,Смирнова,Кузнецова,Попова,Соколова,Лебедева,Козлова,Новикова,Морозова,Волкова,Фёдорова,Михайлова,Жукова,Орлова,Зайцева}',
  '{ivanova,smirnova,kuznetsova,popova,sokolova,lebedeva,kozlova,novikova,morozova,volkova,fedorova,mikhaylova,zhukova,orlova,zaytseva}'),
 ('es', 'm', '{José,Javier,Íñigo,Álvaro,Jesús,Sergio,Adrián,Andrés,Rubén,Martín}',
             '{jose,javier,inigo,alvaro,jesus,sergio,adrian,andres,ruben,martin}',
  '{García,Martínez,López,Sánchez,Pérez,Gómez,Muñoz,Núñez,Jiménez,Hernández,Díaz,Ibáñez,Peña,Castaño,Fernández,Rodríguez,Moreno,Álvarez}',
  '{garcia,martinez,lopez,sanchez,perez,gomez,munoz,nunez,jimenez,hernandez,diaz,ibanez,pena,castano,fernandez,rodriguez,moreno,alvarez}'),
 ('es', 'f', '{María,Lucía,Begoña,Inés,Sofía,Mónica,Nuria,Ángela,Carmen,Raquel}',
             '{maria,lucia,begona,ines,sofia,monica,nuria,angela,carmen,raquel}',
  '{García,Martínez,López,Sánchez,Pérez,Gómez,Muñoz,Núñez,Jiménez,Hernández,Díaz,Ibáñez,Peña,Castaño,Fernández,Rodríguez,Moreno,Álvarez}',
  '{garcia,martinez,lopez,sanchez,perez,gomez,munoz,nunez,jimenez,hernandez,diaz,ibanez,pena,castano,fernandez,rodriguez,moreno,alvarez}'),
 ('en', 'm', '{James,Oliver,Harry,George,Thomas,William,Jack,Daniel,Samuel,Henry}',
             '{james,oliver,harry,george,thomas,william,jack,daniel,samuel,henry}',
  '{Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Thompson,Evans,Walker,White,Roberts,Green,Hall,Wood,Clarke,Hughes}',
  '{smith,jones,taylor,brown,williams,wilson,johnson,davies,robinson,wright,thompson,evans,walker,white,roberts,green,hall,wood,clarke,hughes}'),
 ('en', 'f', '{Emily,Olivia,Amelia,Sophie,Charlotte,Grace,Jessica,Hannah,Lucy,Chloe}',
             '{emily,olivia,amelia,sophie,charlotte,grace,jessica,hannah,lucy,chloe}',
  '{Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Thompson,Evans,Walker,White,Roberts,Green,Hall,Wood,Clarke,Hughes}',
  '{smith,jones,taylor,brown,williams,wilson,johnson,davies,robinson,wright,thompson,evans,walker,white,roberts,green,hall,wood,clarke,hughes}');

-- Topics: subject, the customer's question and the agent's answer per
-- language; {order} and {invoice} are filled in per case.
CREATE TEMP TABLE demo_topic (topic text PRIMARY KEY, grp text, ivr_menu text[]);
INSERT INTO demo_topic VALUES
 ('order_status', 'orders',     '{orders,"order status"}'),
 ('delivery',     'orders',     '{orders,"delivery status"}'),
 ('return',       'orders',     '{orders,returns}'),
 ('invoice',      'billing',    '{billing,invoices}'),
 ('refund',       'billing',    '{billing,refunds}'),
 ('payment',      'billing',    '{billing,"payment problems"}'),
 ('password',     'account',    '{account,"password reset"}'),
 ('complaint',    'complaints', '{complaints}');

CREATE TEMP TABLE demo_text (lang text, topic text, subject text, ask text, answer text,
                             PRIMARY KEY (lang, topic));
INSERT INTO demo_text VALUES
 ('en', 'order_status', 'Status of order {order}',
  'Hello, I placed order {order} last week and the status still says "processing". When will it ship?',
  'Thank you for your patience. Order {order} left our warehouse today; you will get the tracking link by SMS.'),
 ('en', 'delivery', 'Delivery of order {order} is late',
  'My parcel for order {order} was due yesterday and the courier has not come. Can you check?',
  'We have contacted the courier: order {order} will be delivered tomorrow between 10:00 and 14:00. Sorry for the delay.'),
 ('en', 'return', 'Return of order {order}',
  'I would like to return one item from order {order}. How do I get a return label?',
  'The return label for order {order} is in your account under "Returns". You have 30 days to send it back.'),
 ('en', 'invoice', 'Invoice {invoice} for order {order}',
  'Please send me a VAT invoice for order {order} with my company details.',
  'Invoice {invoice} for order {order} is attached and also available in your account.'),
 ('en', 'refund', 'Refund for order {order}',
  'I returned the items from order {order} two weeks ago and still have not received my refund.',
  'The refund for order {order} was approved today; the money will be on your card within 3–5 working days.'),
 ('en', 'payment', 'Payment failed for order {order}',
  'My card was charged but order {order} shows "payment failed".',
  'The payment for order {order} has been confirmed manually; your bank will release the duplicate authorisation.'),
 ('en', 'password', 'Password reset',
  'I cannot log in: the password reset e-mail never arrives.',
  'We have sent a new reset link; it is valid for 24 hours. Please check your spam folder too.'),
 ('en', 'complaint', 'Complaint about order {order}',
  'The product from order {order} arrived damaged and nobody answers the phone. I am very disappointed.',
  'We are very sorry. We will send a replacement for order {order} free of charge and a courier will collect the damaged item.'),

 ('pl', 'order_status', 'Status zamówienia {order}',
  'Dzień dobry, złożyłem zamówienie {order} w zeszłym tygodniu i wciąż ma status „w realizacji”. Kiedy zostanie wysłane?',
  'Dziękujemy za cierpliwość. Zamówienie {order} opuściło dziś nasz magazyn; link do śledzenia przesyłki wyślemy SMS-em.'),
 ('pl', 'delivery', 'Opóźniona dostawa zamówienia {order}',
  'Paczka z zamówieniem {order} miała dotrzeć wczoraj, a kurier się nie pojawił. Czy możecie to sprawdzić?',
  'Skontaktowaliśmy się z kurierem: zamówienie {order} zostanie doręczone jutro między 10:00 a 14:00. Przepraszamy za opóźnienie.'),
 ('pl', 'return', 'Zwrot towaru z zamówienia {order}',
  'Chciałbym zwrócić jeden produkt z zamówienia {order}. Skąd wezmę etykietę zwrotną?',
  'Etykieta zwrotna do zamówienia {order} jest na Państwa koncie w zakładce „Zwroty”. Na odesłanie towaru jest 30 dni.'),
 ('pl', 'invoice', 'Faktura {invoice} do zamówienia {order}',
  'Proszę o wystawienie faktury VAT do zamówienia {order} na dane mojej firmy.',
  'W załączniku przesyłamy fakturę {invoice} do zamówienia {order}; jest też dostępna na Państwa koncie.'),
 ('pl', 'refund', 'Zwrot pieniędzy za zamówienie {order}',
  'Dwa tygodnie temu odesłałam towar z zamówienia {order} i nadal nie otrzymałam zwrotu pieniędzy.',
  'Zwrot za zamówienie {order} został dziś zatwierdzony; środki wpłyną na kartę w ciągu 3–5 dni roboczych.'),
 ('pl', 'payment', 'Nieudana płatność za zamówienie {order}',
  'Pieniądze zostały pobrane z karty, ale zamówienie {order} ma status „płatność nieudana”.',
  'Płatność za zamówienie {order} potwierdziliśmy ręcznie; podwójna blokada środków zostanie zwolniona przez bank.'),
 ('pl', 'password', 'Reset hasła',
  'Nie mogę się zalogować: wiadomość z linkiem do zmiany hasła w ogóle nie dociera.',
  'Wysłaliśmy nowy link do zmiany hasła, ważny przez 24 godziny. Proszę sprawdzić również folder spam.'),
 ('pl', 'complaint', 'Reklamacja zamówienia {order}',
  'Produkt z zamówienia {order} przyszedł uszkodzony, a nikt nie odbiera telefonu. Jestem bardzo rozczarowany.',
  'Bardzo przepraszamy. Wyślemy bezpłatnie nowy produkt do zamówienia {order}, a kurier odbierze uszkodzony egzemplarz.'),

 ('ro', 'order_status', 'Starea comenzii {order}',
  'Bună ziua, am plasat comanda {order} săptămâna trecută și încă apare „în procesare”. Când va fi expediată?',
  'Vă mulțumim pentru răbdare. Comanda {order} a plecat astăzi din depozit; veți primi linkul de urmărire prin SMS.'),
 ('ro', 'delivery', 'Livrarea comenzii {order} întârzie',
  'Coletul pentru comanda {order} trebuia să ajungă ieri, dar curierul nu a venit. Puteți verifica?',
  'Am luat legătura cu curierul: comanda {order} va fi livrată mâine între 10:00 și 14:00. Ne cerem scuze pentru întârziere.'),
 ('ro', 'return', 'Retur pentru comanda {order}',
  'Aș dori să returnez un produs din comanda {order}. De unde obțin eticheta de retur?',
  'Eticheta de retur pentru comanda {order} se află în cont, la secțiunea „Retururi”. Aveți la dispoziție 30 de zile.'),
 ('ro', 'invoice', 'Factura {invoice} pentru comanda {order}',
  'Vă rog să-mi trimiteți factura fiscală pentru comanda {order}, pe datele firmei mele.',
  'Găsiți atașată factura {invoice} pentru comanda {order}; este disponibilă și în contul dumneavoastră.'),
 ('ro', 'refund', 'Rambursare pentru comanda {order}',
  'Am returnat produsele din comanda {order} acum două săptămâni și încă nu am primit banii înapoi.',
  'Rambursarea pentru comanda {order} a fost aprobată astăzi; banii vor ajunge pe card în 3–5 zile lucrătoare.'),
 ('ro', 'payment', 'Plata pentru comanda {order} a eșuat',
  'Mi s-au retras banii de pe card, dar comanda {order} apare cu „plată eșuată”.',
  'Plata pentru comanda {order} a fost confirmată manual; banca va debloca suma reținută de două ori.'),
 ('ro', 'password', 'Resetarea parolei',
  'Nu mă pot autentifica: e-mailul de resetare a parolei nu ajunge niciodată.',
  'V-am trimis un nou link de resetare, valabil 24 de ore. Vă rugăm să verificați și dosarul de spam.'),
 ('ro', 'complaint', 'Reclamație pentru comanda {order}',
  'Produsul din comanda {order} a sosit deteriorat și nimeni nu răspunde la telefon. Sunt foarte nemulțumit.',
  'Ne pare foarte rău. Vă trimitem gratuit un produs nou pentru comanda {order}, iar curierul va ridica produsul deteriorat.'),

 ('ru', 'order_status', 'Статус заказа {order}',
  'Здравствуйте! Я оформил заказ {order} на прошлой неделе, но он всё ещё «в обработке». Когда его отправят?',
  'Спасибо за терпение. Заказ {order} сегодня покинул наш склад, ссылку для отслеживания пришлём по SMS.'),
 ('ru', 'delivery', 'Задержка доставки заказа {order}',
  'Посылка по заказу {order} должна была прийти вчера, но курьер так и не приехал. Проверьте, пожалуйста.',
  'Мы связались со службой доставки: заказ {order} привезут завтра с 10:00 до 14:00. Приносим извинения за задержку.'),
 ('ru', 'return', 'Возврат товара из заказа {order}',
  'Хочу вернуть один товар из заказа {order}. Где взять этикетку для возврата?',
  'Этикетка для возврата по заказу {order} находится в личном кабинете в разделе «Возвраты». На отправку есть 30 дней.'),
 ('ru', 'invoice', 'Счёт {invoice} по заказу {order}',
  'Пришлите, пожалуйста, счёт-фактуру по заказу {order} на реквизиты моей компании.',
  'Счёт {invoice} по заказу {order} во вложении; он также доступен в личном кабинете.'),
 ('ru', 'refund', 'Возврат денег за заказ {order}',
  'Две недели назад я вернула товар из заказа {order}, но деньги до сих пор не пришли.',
  'Возврат по заказу {order} одобрен сегодня; деньги поступят на карту в течение 3–5 рабочих дней.'),
 ('ru', 'payment', 'Ошибка оплаты заказа {order}',
  'Деньги списаны с карты, но заказ {order} показывает «оплата не прошла».',
  'Оплата заказа {order} подтверждена вручную; повторную блокировку средств снимет банк.'),
 ('ru', 'password', 'Сброс пароля',
  'Не могу войти: письмо для сброса пароля не приходит.',
  'Мы отправили новую ссылку для сброса пароля, она действует 24 часа. Проверьте также папку «Спам».'),
 ('ru', 'complaint', 'Жалоба по заказу {order}',
  'Товар из заказа {order} пришёл повреждённым, а по телефону никто не отвечает. Я очень разочарован.',
  'Приносим извинения. Мы бесплатно отправим замену по заказу {order}, а курьер заберёт повреждённый товар.'),

 ('es', 'order_status', 'Estado del pedido {order}',
  'Hola, hice el pedido {order} la semana pasada y sigue «en preparación». ¿Cuándo lo enviarán?',
  'Gracias por su paciencia. El pedido {order} ha salido hoy de nuestro almacén; recibirá el enlace de seguimiento por SMS.'),
 ('es', 'delivery', 'Retraso en la entrega del pedido {order}',
  'El paquete del pedido {order} debía llegar ayer y el mensajero no ha venido. ¿Pueden revisarlo?',
  'Hemos hablado con la empresa de transporte: el pedido {order} se entregará mañana entre las 10:00 y las 14:00. Disculpe el retraso.'),
 ('es', 'return', 'Devolución del pedido {order}',
  'Quiero devolver un artículo del pedido {order}. ¿Cómo consigo la etiqueta de devolución?',
  'La etiqueta de devolución del pedido {order} está en su cuenta, en «Devoluciones». Tiene 30 días para enviarlo.'),
 ('es', 'invoice', 'Factura {invoice} del pedido {order}',
  'Por favor, envíenme la factura del pedido {order} con los datos de mi empresa.',
  'Adjuntamos la factura {invoice} del pedido {order}; también está disponible en su cuenta.'),
 ('es', 'refund', 'Reembolso del pedido {order}',
  'Devolví los artículos del pedido {order} hace dos semanas y todavía no he recibido el reembolso.',
  'El reembolso del pedido {order} se ha aprobado hoy; el dinero llegará a su tarjeta en 3–5 días hábiles.'),
 ('es', 'payment', 'Pago fallido del pedido {order}',
  'Me han cobrado en la tarjeta, pero el pedido {order} aparece como «pago fallido».',
  'Hemos confirmado manualmente el pago del pedido {order}; su banco liberará el cargo duplicado.'),
 ('es', 'password', 'Restablecer contraseña',
  'No puedo iniciar sesión: el correo para restablecer la contraseña nunca llega.',
  'Le hemos enviado un nuevo enlace, válido durante 24 horas. Revise también la carpeta de correo no deseado.'),
 ('es', 'complaint', 'Reclamación del pedido {order}',
  'El producto del pedido {order} llegó dañado y nadie contesta al teléfono. Estoy muy decepcionado.',
  'Lo sentimos mucho. Le enviaremos gratis un producto nuevo del pedido {order} y el mensajero recogerá el dañado mañana.');

-- Channel phrases per language.
CREATE TEMP TABLE demo_phrase (lang text PRIMARY KEY, cust text, agent text, thanks text,
                               still_waiting text, sms_shipped text, social_private text,
                               social_close text, note text, bot text, summary text);
INSERT INTO demo_phrase VALUES
 ('en', 'Customer', 'Agent', 'Thank you, that solved it.',
  'I still have not received anything, please check again.',
  'Your order {order} has shipped. Track it: https://shop.example.com/t/{order}',
  'Sorry to hear that! We have sent you a private message so we can look into it.',
  'Glad we could sort this out. Thanks for your patience!',
  'Customer visited the branch about {order}; handed over to the back office.',
  'I can connect you with a consultant.', 'Here is a summary of our conversation:'),
 ('pl', 'Klient', 'Konsultant', 'Dziękuję, sprawa załatwiona.',
  'Nadal nic nie dostałem, proszę sprawdzić jeszcze raz.',
  'Twoje zamówienie {order} zostało wysłane. Śledź przesyłkę: https://shop.example.com/t/{order}',
  'Przykro nam! Napisaliśmy do Ciebie prywatną wiadomość, żeby to wyjaśnić.',
  'Cieszymy się, że udało się rozwiązać sprawę. Dziękujemy za cierpliwość!',
  'Klient był w salonie w sprawie {order}; przekazano do działu obsługi zamówień.',
  'Mogę połączyć Cię z konsultantem.', 'Przesyłamy podsumowanie naszej rozmowy:'),
 ('ro', 'Client', 'Operator', 'Mulțumesc, s-a rezolvat.',
  'Încă nu am primit nimic, vă rog să verificați din nou.',
  'Comanda ta {order} a fost expediată. Urmărește coletul: https://shop.example.com/t/{order}',
  'Ne pare rău! V-am trimis un mesaj privat ca să verificăm.',
  'Ne bucurăm că am rezolvat problema. Mulțumim pentru răbdare!',
  'Clientul a venit în magazin pentru {order}; cazul a fost transmis la back-office.',
  'Vă pot face legătura cu un operator.', 'Vă trimitem rezumatul conversației noastre:'),
 ('ru', 'Клиент', 'Оператор', 'Спасибо, вопрос решён.',
  'Я до сих пор ничего не получил, проверьте ещё раз, пожалуйста.',
  'Ваш заказ {order} отправлен. Отследить: https://shop.example.com/t/{order}',
  'Нам очень жаль! Мы написали вам в личные сообщения, чтобы разобраться.',
  'Рады, что проблема решена. Спасибо за терпение!',
  'Клиент приходил в магазин по заказу {order}; передано в бэк-офис.',
  'Я могу соединить вас с оператором.', 'Отправляем краткое содержание нашего разговора:'),
 ('es', 'Cliente', 'Agente', 'Gracias, ya está resuelto.',
  'Todavía no he recibido nada, ¿pueden revisarlo otra vez?',
  'Tu pedido {order} ha sido enviado. Síguelo aquí: https://shop.example.com/t/{order}',
  '¡Lo sentimos! Te hemos escrito por mensaje privado para revisarlo.',
  '¡Nos alegra haberlo solucionado! Gracias por tu paciencia.',
  'El cliente vino a la tienda por el pedido {order}; se pasa a back-office.',
  'Puedo ponerte con un agente.', 'Le enviamos un resumen de nuestra conversación:');

-- Case patterns (the channel a case starts on) with weights in percent.
CREATE TEMP TABLE demo_pattern (pattern text PRIMARY KEY, weight int, lo numeric, hi numeric);
INSERT INTO demo_pattern (pattern, weight)
VALUES ('email', 20), ('phone', 17), ('ivr', 5), ('chat', 12), ('chatbot', 6), ('sms', 6),
       ('messaging', 10), ('social', 6), ('web', 7), ('forum', 3), ('in_person', 4),
       ('video', 2), ('other', 2);
UPDATE demo_pattern p SET lo = s.c - p.weight, hi = s.c
  FROM (SELECT pattern, sum(weight) OVER (ORDER BY pattern) AS c FROM demo_pattern) s
 WHERE s.pattern = p.pattern;

-- ---------------------------------------------------------------------------
-- The seed documents' customer: Jan Kowalski, customer 1.
-- ---------------------------------------------------------------------------

INSERT INTO omnichannel.customer (display_name, language, attributes, created_at)
VALUES ('Jan Kowalski', 'pl', '{"tier": "gold", "segment": "b2c", "country": "PL", "demo": "seed scenario"}',
        timestamptz '2024-03-14 09:00:00+00');
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT c::omnichannel.contact_point, id, 'import'
  FROM omnichannel.customer,
       unnest('{email:jan.kowalski@example.pl,tel:+48601234567,whatsapp:+48601234567,crm:CUST-100000}'::text[]) AS c
 WHERE display_name = 'Jan Kowalski';

-- ---------------------------------------------------------------------------
-- Customers and their identifiers
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_rand AS
SELECT n,
       random() AS r_lang, random() AS r_gender, random() AS r_first, random() AS r_last,
       random() AS r_last2, random() AS r_domain, random() AS r_idn, random() AS r_tier,
       random() AS r_b2b, random() AS r_wa, random() AS r_tg, random() AS r_tw,
       random() AS r_fb, random() AS r_web, random() AS r_mail2, random() AS r_cases,
       random() AS r_heavy, random() AS r_created
  FROM generate_series(1, 2400) AS n;

CREATE TEMP TABLE demo_cust AS
SELECT r.n, l.lang, l.cc, l.country,
       nm.firsts[1 + floor(r.r_first * cardinality(nm.firsts))::int] AS first,
       nm.firsts_ascii[1 + floor(r.r_first * cardinality(nm.firsts))::int] AS first_a,
       nm.lasts[1 + floor(r.r_last * cardinality(nm.lasts))::int] AS last,
       nm.lasts_ascii[1 + floor(r.r_last * cardinality(nm.lasts))::int] AS last_a,
       nm.lasts[1 + floor(r.r_last2 * cardinality(nm.lasts))::int] AS last2,
       l.domains[1 + floor(r.r_domain * cardinality(l.domains))::int] AS domain,
       CASE WHEN r.r_idn < 0.04 THEN l.idn_domain END AS idn_domain,
       l.work_domain,
       CASE WHEN r.r_tier < 0.1 THEN 'gold' WHEN r.r_tier < 0.35 THEN 'silver' ELSE 'standard' END AS tier,
       r.r_b2b < 0.12 AS b2b,
       r.r_wa < CASE l.lang WHEN 'en' THEN 0.25 ELSE 0.45 END AS has_wa,
       r.r_tg < CASE l.lang WHEN 'ru' THEN 0.5 ELSE 0.1 END AS has_tg,
       r.r_tw < 0.18 AS has_tw,
       r.r_fb < 0.22 AS has_fb,
       r.r_web < 0.5 AS has_web,
       r.r_mail2 < 0.1 AS has_mail2,
       -- skewed: most customers have a few cases, some have many
       1 + floor(25 * r.r_cases ^ 2)::int + CASE WHEN r.r_heavy < 0.02 THEN 80 ELSE 0 END AS ncases,
       (SELECT t FROM demo_anchor) - interval '700 days' * (0.5 + r.r_created) AS created_at
  FROM demo_rand r
  JOIN demo_lang l ON l.lang = CASE WHEN r.r_lang < 0.25 THEN 'ro' WHEN r.r_lang < 0.50 THEN 'pl'
                                    WHEN r.r_lang < 0.65 THEN 'ru' WHEN r.r_lang < 0.80 THEN 'es'
                                    ELSE 'en' END
  JOIN demo_names nm ON nm.lang = l.lang AND nm.gender = CASE WHEN r.r_gender < 0.5 THEN 'm' ELSE 'f' END;

ALTER TABLE demo_cust ADD COLUMN id bigint, ADD COLUMN email text, ADD COLUMN tel text,
    ADD COLUMN mail_host text, ADD COLUMN wa text, ADD COLUMN tg text, ADD COLUMN tw text,
    ADD COLUMN fb text, ADD COLUMN web text, ADD COLUMN crm text, ADD COLUMN mail2 text;
UPDATE demo_cust SET
    mail_host = domain,
    email = 'email:' || first_a || '.' || last_a || n || '@' || coalesce(idn_domain, domain),
    tel = 'tel:' || cc || CASE lang
            WHEN 'ro' THEN '7' || lpad(((n * 7919) % 100000000)::text, 8, '0')
            WHEN 'pl' THEN '5' || lpad(((n * 7919) % 100000000)::text, 8, '0')
            WHEN 'ru' THEN '9' || lpad(((n * 7919) % 1000000000)::text, 9, '0')
            WHEN 'es' THEN '6' || lpad(((n * 7919) % 100000000)::text, 8, '0')
            ELSE '7' || lpad(((n * 7919) % 1000000000)::text, 9, '0') END,
    crm = 'crm:CUST-' || (100000 + n);
UPDATE demo_cust SET
    wa = CASE WHEN has_wa THEN 'whatsapp:' || substr(tel, 5) END,
    tg = CASE WHEN has_tg THEN 'telegram:@' || first_a || '_' || last_a || n END,
    tw = CASE WHEN has_tw THEN 'twitter:@' || left(first_a, 6) || left(last_a, 5) || n END,
    fb = CASE WHEN has_fb THEN 'facebook:' || (100004000000000 + n * 7919) END,
    web = CASE WHEN has_web THEN 'web:v-' || substr(md5('visitor' || n), 1, 10) END,
    mail2 = CASE WHEN has_mail2 THEN 'email:' || left(first_a, 1) || '.' || last_a || n || '@' || work_domain END;

-- Import: customers first (in n order, so ids are stable), then identifiers.
INSERT INTO omnichannel.customer (display_name, language, attributes, created_at)
SELECT first || ' ' || last || CASE WHEN lang = 'es' THEN ' ' || last2 ELSE '' END,
       lang,
       jsonb_build_object('tier', tier, 'segment', CASE WHEN b2b THEN 'b2b' ELSE 'b2c' END,
                          'country', country),
       created_at
  FROM demo_cust ORDER BY n;
UPDATE demo_cust d SET id = c.id
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
          FROM omnichannel.customer WHERE display_name IS DISTINCT FROM 'Jan Kowalski'
                                      AND attributes ? 'tier') c
 WHERE c.n = d.n;

INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT v.contact::omnichannel.contact_point, d.id, 'import'
  FROM demo_cust d
 CROSS JOIN LATERAL (VALUES (1, d.email), (2, d.tel), (3, d.crm), (4, d.wa), (5, d.tg),
                            (6, d.tw), (7, d.fb), (8, d.web), (9, d.mail2)) AS v(k, contact)
 WHERE v.contact IS NOT NULL
 ORDER BY d.n, v.k;

-- ---------------------------------------------------------------------------
-- Cases: one conversation each, starting on some channel
-- ---------------------------------------------------------------------------

-- random() is evaluated above an ordered subquery: same rows, same draws.
CREATE TEMP TABLE demo_case0 AS
SELECT s.n, s.case_no,
       random() AS r_pattern, random() AS r_topic, random() AS r_day, random() AS r_hour,
       random() AS r_len, random() AS r_agent, random() AS r_alt
  FROM (SELECT d.n, k AS case_no
          FROM demo_cust d CROSS JOIN LATERAL generate_series(1, d.ncases) AS k
         ORDER BY d.n, k) s;

CREATE TEMP TABLE demo_case AS
SELECT row_number() OVER (ORDER BY c.n, c.case_no) AS case_id, c.*, d.lang, d.id AS customer_id,
       d.email, d.tel, d.wa, d.tg, d.tw, d.fb, d.web, d.crm, d.mail_host,
       -- a case on a channel the customer has no address for falls back to e-mail
       CASE WHEN p.pattern = 'messaging' AND d.wa IS NULL AND d.tg IS NULL THEN 'email'
            WHEN p.pattern = 'social' AND d.tw IS NULL AND d.fb IS NULL THEN 'email'
            ELSE p.pattern END AS pattern,
       t.topic, t.grp, t.ivr_menu,
       (SELECT t FROM demo_anchor)
         - interval '1 day' * (1 + floor(c.r_day * 364))
         + interval '1 hour' * (6 + 12 * c.r_hour) AS t0
  FROM demo_case0 c
  JOIN demo_cust d ON d.n = c.n
  JOIN demo_pattern p ON c.r_pattern * 100 >= p.lo AND c.r_pattern * 100 < p.hi
  JOIN demo_topic t ON t.topic = (ARRAY['order_status','delivery','return','invoice','refund',
                                        'payment','password','complaint'])[1 + floor(c.r_topic * 8)::int];

-- Unknown visitors and handles: ingest creates their customers on first sight.
INSERT INTO demo_case (case_id, n, case_no, r_pattern, r_topic, r_day, r_hour, r_len, r_agent, r_alt,
                       lang, customer_id, web, tw, pattern, topic, grp, ivr_menu, t0)
SELECT (SELECT max(case_id) FROM demo_case) + g, NULL, 1, 0, r_topic, r_day, r_hour, r_len, r_agent, 0,
       l, NULL,
       CASE WHEN g % 3 <> 0 THEN 'web:anon-' || substr(md5('anon' || g), 1, 12) END,
       CASE WHEN g % 3 = 0 THEN 'twitter:@user' || substr(md5('tw' || g), 1, 8) END,
       CASE WHEN g % 3 = 0 THEN 'social' WHEN g % 3 = 1 THEN 'chatbot' ELSE 'chat' END,
       t.topic, t.grp, t.ivr_menu,
       (SELECT t FROM demo_anchor) - interval '1 day' * (1 + floor(r_day * 364))
         + interval '1 hour' * (6 + 12 * r_hour)
  FROM (SELECT g, random() AS r_topic, random() AS r_day, random() AS r_hour, random() AS r_len,
               random() AS r_agent,
               (ARRAY['ro','pl','ru','es','en'])[1 + g % 5] AS l
          FROM generate_series(1, 360) AS g) s
  JOIN demo_topic t ON t.topic = (ARRAY['order_status','delivery','return','invoice','refund',
                                        'payment','password','complaint'])[1 + floor(s.r_topic * 8)::int];

-- Messages per case: how many, given the pattern.
UPDATE demo_case SET r_len = CASE pattern
    WHEN 'email'     THEN 1 + floor(r_len ^ 1.5 * 6)
    WHEN 'phone'     THEN 2 + floor(r_len * 2)
    WHEN 'ivr'       THEN 1
    WHEN 'chat'      THEN 1 + floor(r_len * 2)
    WHEN 'chatbot'   THEN 1 + floor(r_len * 2)
    WHEN 'sms'       THEN 1 + floor(r_len * 3)
    WHEN 'messaging' THEN 2 + floor(r_len * 5)
    WHEN 'social'    THEN 2 + floor(r_len * 4)
    WHEN 'web'       THEN 1 + floor(r_len * 3)
    WHEN 'forum'     THEN 1 + floor(r_len * 3)
    WHEN 'in_person' THEN 1 + floor(r_len * 2)
    WHEN 'video'     THEN 1 + floor(r_len * 2)
    ELSE                  1 + floor(r_len * 2) END;

-- ---------------------------------------------------------------------------
-- Messages: channel, direction and role of message k of a case
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_msg0 AS
SELECT s.case_id, s.k, random() AS r_gap, random() AS r_dur, random() AS r_wait
  FROM (SELECT c.case_id, k
          FROM demo_case c CROSS JOIN LATERAL generate_series(1, c.r_len::int) AS k
         ORDER BY c.case_id, k) s;

CREATE TEMP TABLE demo_msg AS
SELECT m.case_id, m.k, m.r_gap, m.r_dur, m.r_wait, c.pattern, c.lang, c.topic, c.grp,
       c.ivr_menu, c.customer_id, c.r_agent, c.r_alt, c.t0, c.mail_host,
       s.channel::omnichannel.channel AS channel, s.direction::omnichannel.direction AS direction,
       s.role, s.parent, s.contact, s.all_refs
  FROM demo_msg0 m
  JOIN demo_case c USING (case_id)
 CROSS JOIN LATERAL (
    SELECT
      CASE c.pattern
        WHEN 'email'     THEN 'email'
        WHEN 'phone'     THEN (ARRAY['ivr','phone','sms','phone'])[m.k]
        WHEN 'ivr'       THEN 'ivr'
        WHEN 'chat'      THEN (ARRAY['chat','email'])[m.k]
        WHEN 'chatbot'   THEN (ARRAY['chatbot','chat'])[m.k]
        WHEN 'sms'       THEN 'sms'
        WHEN 'messaging' THEN 'messaging'
        WHEN 'social'    THEN (ARRAY['social','social','messaging','messaging','social'])[m.k]
        WHEN 'web'       THEN (ARRAY['web','email','email'])[m.k]
        WHEN 'forum'     THEN 'forum'
        WHEN 'in_person' THEN 'in_person'
        WHEN 'video'     THEN (ARRAY['video','email'])[m.k]
        ELSE                  (ARRAY['other','email'])[m.k]
      END AS channel,
      CASE c.pattern
        WHEN 'email'     THEN CASE WHEN m.k % 2 = 1 THEN 'inbound' ELSE 'outbound' END
        WHEN 'phone'     THEN (ARRAY['inbound','inbound','outbound','outbound'])[m.k]
        WHEN 'sms'       THEN (ARRAY['outbound','inbound','outbound'])[m.k]
        WHEN 'messaging' THEN CASE WHEN m.k % 2 = 1 THEN 'inbound' ELSE 'outbound' END
        WHEN 'social'    THEN (ARRAY['inbound','outbound','inbound','outbound','outbound'])[m.k]
        WHEN 'web'       THEN (ARRAY['inbound','outbound','inbound'])[m.k]
        WHEN 'forum'     THEN (ARRAY['inbound','outbound','inbound'])[m.k]
        WHEN 'in_person' THEN (ARRAY['inbound','internal'])[m.k]
        WHEN 'chat'      THEN (ARRAY['inbound','outbound'])[m.k]
        WHEN 'video'     THEN (ARRAY['inbound','outbound'])[m.k]
        WHEN 'other'     THEN (ARRAY['inbound','outbound'])[m.k]
        ELSE 'inbound'
      END AS direction,
      CASE c.pattern
        WHEN 'email'     THEN CASE WHEN m.k = 1 THEN 'ask' WHEN m.k % 2 = 0 THEN 'answer'
                               WHEN m.k = 3 AND c.r_alt < 0.5 THEN 'thanks' ELSE 'still_waiting' END
        WHEN 'phone'     THEN (ARRAY['ivr','call','sms_confirm','callback'])[m.k]
        WHEN 'ivr'       THEN 'ivr_self'
        WHEN 'chat'      THEN (ARRAY['chat','summary'])[m.k]
        WHEN 'chatbot'   THEN (ARRAY['bot','chat'])[m.k]
        WHEN 'sms'       THEN (ARRAY['sms_shipped','still_waiting','answer'])[m.k]
        WHEN 'messaging' THEN CASE WHEN m.k = 1 THEN 'ask' WHEN m.k % 2 = 0 THEN 'answer'
                               WHEN m.k = 3 THEN 'still_waiting' ELSE 'thanks' END
        WHEN 'social'    THEN (ARRAY['ask','social_private','ask_private','answer','social_close'])[m.k]
        WHEN 'web'       THEN (ARRAY['ask','answer','thanks'])[m.k]
        WHEN 'forum'     THEN (ARRAY['ask','answer','thanks'])[m.k]
        WHEN 'in_person' THEN (ARRAY['visit','note'])[m.k]
        WHEN 'video'     THEN (ARRAY['video','summary'])[m.k]
        ELSE                  (ARRAY['ask','answer'])[m.k]
      END AS role,
      -- the message this one answers (0: none); the public closing post
      -- answers the public complaint, not the private conversation
      CASE WHEN c.pattern = 'social' AND m.k = 5 THEN 1 ELSE m.k - 1 END AS parent,
      -- mail carries References: every earlier message of the case
      c.pattern IN ('email', 'web') AS all_refs,
      CASE
        WHEN c.pattern = 'social' AND m.k IN (3, 4) AND c.tw IS NOT NULL THEN c.tw
        WHEN c.pattern = 'social' AND m.k IN (3, 4) THEN c.fb
        WHEN c.pattern = 'social' THEN coalesce(c.tw, c.fb)
        WHEN c.pattern = 'messaging' THEN CASE WHEN c.wa IS NOT NULL AND (c.tg IS NULL OR c.r_alt < 0.6)
                                               THEN c.wa ELSE c.tg END
        WHEN c.pattern IN ('phone', 'ivr', 'sms') THEN c.tel
        -- web chat and chatbot: the visitor id, or the CRM id of a logged-in customer;
        -- the chat summary goes by e-mail (unknown visitors have none: dropped)
        WHEN c.pattern = 'chatbot' OR (c.pattern = 'chat' AND m.k = 1) THEN coalesce(c.web, c.crm)
        WHEN c.pattern IN ('web', 'forum', 'in_person', 'other') AND m.k = 1 THEN c.crm
        WHEN c.pattern IN ('forum', 'in_person') THEN c.crm
        ELSE c.email
      END AS contact
 ) s;

-- Unknown visitors' chats only get a summary e-mail if they left an address: drop it.
DELETE FROM demo_msg WHERE contact IS NULL;
CREATE INDEX ON demo_msg (case_id, k);
ANALYZE demo_msg;

-- Times: each message some minutes to days after the previous one.
ALTER TABLE demo_msg ADD COLUMN gap interval, ADD COLUMN occurred_at timestamptz,
                     ADD COLUMN ended_at timestamptz;
UPDATE demo_msg SET gap = CASE
    WHEN k = 1 THEN interval '0'
    WHEN channel = 'email' AND direction = 'outbound' THEN interval '1 minute' * (20 + r_gap * 1800)
    WHEN channel = 'email' THEN interval '1 minute' * (60 + r_gap * 2880)
    WHEN channel = 'phone' AND role = 'call' THEN interval '1 second' * (40 + r_gap * 140)
    WHEN channel = 'phone' THEN interval '1 minute' * (60 + r_gap * 1440)
    WHEN channel IN ('sms') AND role = 'sms_confirm' THEN interval '1 minute' * (8 + r_gap * 4)
    WHEN channel IN ('sms', 'messaging') THEN interval '1 minute' * (2 + r_gap * 240)
    WHEN channel = 'chat' THEN interval '1 minute' * (2 + r_gap * 6)
    WHEN channel = 'social' THEN interval '1 minute' * (10 + r_gap * 600)
    WHEN channel = 'forum' THEN interval '1 minute' * (30 + r_gap * 2000)
    ELSE interval '1 minute' * (15 + r_gap * 120) END;
UPDATE demo_msg m SET occurred_at = date_trunc('second', s.t)
  FROM (SELECT case_id, k, t0 + sum(gap) OVER (PARTITION BY case_id ORDER BY k) AS t
          FROM demo_msg) s
 WHERE s.case_id = m.case_id AND s.k = m.k;
-- Nothing after the anchor (a case cut short by "now").
DELETE FROM demo_msg WHERE occurred_at > (SELECT t FROM demo_anchor);
UPDATE demo_msg SET ended_at = occurred_at + CASE
    WHEN channel = 'ivr' THEN interval '1 second' * (30 + r_dur * 150)
    WHEN channel = 'phone' THEN interval '1 second' * (120 + r_dur * 900)
    WHEN channel IN ('chat', 'chatbot') THEN interval '1 second' * (180 + r_dur * 1200)
    WHEN channel = 'video' THEN interval '1 second' * (900 + r_dur * 1800)
    WHEN channel = 'in_person' AND direction = 'inbound' THEN interval '1 second' * (600 + r_dur * 1200)
    END;
UPDATE demo_msg SET ended_at = date_trunc('second', ended_at);

-- The channel's own ids: Message-IDs for mail, call ids, wamids, ...
CREATE FUNCTION pg_temp.demo_ext_id(channel text, direction text, case_id bigint, k int, host text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE channel
        WHEN 'email' THEN '<' || substr(md5('m' || case_id || '.' || k), 1, 10) || '.' || case_id || '.' || k
                          || '@' || CASE WHEN direction = 'outbound' OR host IS NULL
                                         THEN 'mail.example.com' ELSE host END || '>'
        WHEN 'ivr' THEN 'ivr-' || substr(md5('i' || case_id || '.' || k), 1, 20)
        WHEN 'phone' THEN 'call-' || substr(md5('p' || case_id || '.' || k), 1, 20)
        WHEN 'sms' THEN 'sms-' || substr(md5('s' || case_id || '.' || k), 1, 20)
        WHEN 'messaging' THEN 'wamid.' || upper(substr(md5('w' || case_id || '.' || k), 1, 24))
        WHEN 'social' THEN 'post-' || (1790000000000000000 + case_id * 1000 + k)
        WHEN 'chat' THEN 'chat-' || substr(md5('c' || case_id || '.' || k), 1, 20)
        WHEN 'chatbot' THEN 'bot-' || substr(md5('b' || case_id || '.' || k), 1, 20)
        WHEN 'web' THEN 'form-' || substr(md5('f' || case_id || '.' || k), 1, 20)
        WHEN 'forum' THEN 'forum-post-' || (500000 + case_id * 10 + k)
        WHEN 'in_person' THEN 'visit-' || substr(md5('v' || case_id || '.' || k), 1, 16)
        WHEN 'video' THEN 'meet-' || substr(md5('m' || case_id || '.' || k), 1, 16)
        ELSE 'letter-' || (case_id * 10 + k)
    END
$$;

ALTER TABLE demo_msg ADD COLUMN external_id text;
UPDATE demo_msg SET external_id = pg_temp.demo_ext_id(channel::text, direction::text, case_id, k, mail_host);

-- ---------------------------------------------------------------------------
-- Ingest: one INSERT ... SELECT through the triggers, oldest first, so every
-- in_reply_to / refs points at a row already stored.  Order numbers are
-- business keys with no set-up: {"order": "A-1234"} in attributes (a
-- built-in attribute name) or "zamówienie A-1234" in a text (a built-in
-- pattern); a contact that names an order joins the customer's open thread
-- about it, on any channel.
-- ---------------------------------------------------------------------------

-- SLA policies in business hours, set up before the history loads, so every
-- clock runs through the real ingest: gold customers around the clock, mail
-- and web in office hours, messaging and social faster (docs/sla.md).
INSERT INTO omnichannel.business_calendar (name, hours) VALUES
 ('central europe office', '{"time_zone": "Europe/Warsaw",
    "hours": {"mon": [["08:00","18:00"]], "tue": [["08:00","18:00"]], "wed": [["08:00","18:00"]],
              "thu": [["08:00","18:00"]], "fri": [["08:00","18:00"]], "sat": [["09:00","13:00"]]},
    "holidays": ["2026-01-01", "2026-01-06", "2026-04-06", "2026-05-01", "2026-05-03", "2026-06-04",
                 "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-24", "2026-12-25", "2026-12-26"]}'),
 ('eastern europe office', '{"time_zone": "Europe/Bucharest",
    "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
              "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]},
    "holidays": ["2026-01-01", "2026-01-02", "2026-04-10", "2026-04-13", "2026-05-01", "2026-06-01",
                 "2026-08-15", "2026-11-30", "2026-12-01", "2026-12-25", "2026-12-26"]}');
INSERT INTO omnichannel.sla_policy (name, position, channels, priorities, customer_match, calendar,
                                    first_response, next_response, periodic_update, resolution)
VALUES ('gold customers', 10, NULL, NULL, '{"tier": "gold"}', NULL, '1 hour', '2 hours', NULL, '24 hours'),
       ('messaging and social', 20, '{sms,messaging,social,chatbot}', NULL, NULL, 'central europe office',
        '30 minutes', '1 hour', NULL, '16 hours'),
       ('romanian mail', 30, '{email,web,forum}', NULL, '{"country": "RO"}', 'eastern europe office',
        '4 hours', '8 hours', '16 hours', '40 hours'),
       ('mail and web', 40, '{email,web,forum,other}', NULL, NULL, 'central europe office',
        '4 hours', '8 hours', '20 hours', '50 hours'),
       ('live channels', 50, '{phone,ivr,chat,video,in_person}', NULL, NULL, 'central europe office',
        '15 minutes', '30 minutes', NULL, '10 hours');

-- Agents of the universal queue (docs/queue.md).
INSERT INTO omnichannel.agent (id, display_name, queues, languages, capacity, status) VALUES
 ('marta.nowak',    'Marta Nowak',    '{}', '{pl,en}',    1, 'available'),
 ('ewa.kaczmarek',  'Ewa Kaczmarek',  '{}', '{pl,en,ru}', 1, 'available'),
 ('andrei.popescu', 'Andrei Popescu', '{}', '{ro,en}',    1, 'available'),
 ('lucia.garcia',   'Lucía García',   '{}', '{es,en}',    1, 'available'),
 ('olga.ivanova',   'Ольга Иванова',  '{}', '{ru,en,pl}', 1, 'away');

INSERT INTO omnichannel.interaction
       (channel, direction, occurred_at, ended_at, contact, agent, queue, subject, body,
        external_id, in_reply_to, refs, attributes)
SELECT m.channel, m.direction, m.occurred_at, m.ended_at, m.contact::omnichannel.contact_point,
       -- agents handle calls, chats, visits and write every outbound message
       CASE WHEN m.role IN ('bot', 'ivr', 'ivr_self') THEN 'bot:assistant'
            WHEN m.direction <> 'inbound' OR m.role IN ('call', 'chat', 'visit', 'video')
            THEN l.agents[1 + floor(m.r_agent * cardinality(l.agents))::int] END,
       CASE WHEN m.role IN ('bot', 'ivr_self') THEN 'self-service'
            WHEN m.pattern = 'social' THEN m.lang || '.social'
            ELSE m.lang || '.' || m.grp END,
       CASE WHEN m.channel IN ('sms', 'messaging') THEN NULL
            WHEN m.k > 1 AND m.channel = 'email' THEN 'Re: ' || sub.subject
            ELSE sub.subject END,
       CASE m.role
         WHEN 'ask' THEN txt.ask
         WHEN 'ask_private' THEN txt.ask
         WHEN 'answer' THEN txt.answer
         WHEN 'thanks' THEN ph.thanks
         WHEN 'still_waiting' THEN ph.still_waiting
         WHEN 'ivr' THEN 'IVR: ' || array_to_string(m.ivr_menu, ' > ') || ' → transferred to ' || m.lang || '.' || m.grp
         WHEN 'ivr_self' THEN 'IVR: ' || array_to_string(m.ivr_menu, ' > ') || ' → self-service completed'
         WHEN 'call' THEN ph.cust || ': ' || txt.ask || E'\n' || ph.agent || ': ' || txt.answer
         WHEN 'callback' THEN ph.agent || ': ' || txt.answer
         WHEN 'sms_confirm' THEN txt.answer
         WHEN 'chat' THEN ph.cust || ': ' || txt.ask || E'\n' || ph.agent || ': ' || txt.answer
         WHEN 'bot' THEN ph.cust || ': ' || txt.ask || E'\nBot: ' || ph.bot
         WHEN 'summary' THEN ph.summary || E'\n' || txt.answer
         WHEN 'sms_shipped' THEN ph.sms_shipped
         WHEN 'social_private' THEN ph.social_private
         WHEN 'social_close' THEN ph.social_close
         WHEN 'visit' THEN ph.cust || ': ' || txt.ask || E'\n' || ph.agent || ': ' || txt.answer
         WHEN 'note' THEN ph.note
         WHEN 'video' THEN ph.cust || ': ' || txt.ask || E'\n' || ph.agent || ': ' || txt.answer
       END,
       m.external_id,
       p.external_id,
       CASE WHEN m.all_refs AND m.k > 1 THEN
            (SELECT array_agg(r.external_id ORDER BY r.k) FROM demo_msg r
              WHERE r.case_id = m.case_id AND r.k < m.k) END,
       jsonb_strip_nulls(jsonb_build_object(
           'order', CASE WHEN m.topic <> 'password' THEN 'A-' || (10000 + m.case_id) END,
           'ivr', CASE WHEN m.channel IN ('ivr', 'phone') THEN
                       jsonb_build_object('language', m.lang, 'menu', to_jsonb(m.ivr_menu)) END,
           'call', CASE WHEN m.role = 'call' THEN jsonb_build_object('wait_s', floor(m.r_wait * 300)::int) END,
           'app', CASE WHEN m.channel = 'messaging' THEN split_part(m.contact, ':', 1) END,
           'network', CASE WHEN m.channel = 'social' THEN split_part(m.contact, ':', 1) END,
           'visibility', CASE WHEN m.channel = 'social' THEN 'public'
                              WHEN m.pattern = 'social' THEN 'private' END,
           'branch', CASE WHEN m.channel = 'in_person' THEN l.branches[1 + floor(m.r_agent * cardinality(l.branches))::int] END,
           'medium', CASE WHEN m.channel = 'other' THEN 'letter' END,
           'self_service', CASE WHEN m.role IN ('ivr_self', 'bot') THEN true END,
           'csat', CASE WHEN m.role = 'chat' THEN 1 + floor(m.r_wait * 5)::int END))
  FROM demo_msg m
  JOIN demo_lang l ON l.lang = m.lang
  JOIN demo_text txt0 ON txt0.lang = m.lang AND txt0.topic = m.topic
  JOIN demo_phrase ph0 ON ph0.lang = m.lang
  LEFT JOIN demo_msg p ON p.case_id = m.case_id AND p.k = m.parent
 CROSS JOIN LATERAL (
    SELECT replace(replace(x, '{order}', 'A-' || (10000 + m.case_id)),
                   '{invoice}', 'INV-2026-' || lpad((m.case_id % 100000)::text, 5, '0')) AS subject
      FROM (SELECT txt0.subject AS x) q) sub
 CROSS JOIN LATERAL (
    SELECT replace(replace(txt0.ask, '{order}', 'A-' || (10000 + m.case_id)),
                   '{invoice}', 'INV-2026-' || lpad((m.case_id % 100000)::text, 5, '0')) AS ask,
           replace(replace(txt0.answer, '{order}', 'A-' || (10000 + m.case_id)),
                   '{invoice}', 'INV-2026-' || lpad((m.case_id % 100000)::text, 5, '0')) AS answer) txt
 CROSS JOIN LATERAL (
    SELECT ph0.cust, ph0.agent, ph0.thanks, ph0.still_waiting, ph0.social_private, ph0.social_close,
           ph0.bot, ph0.summary,
           replace(ph0.sms_shipped, '{order}', 'A-' || (10000 + m.case_id)) AS sms_shipped,
           replace(ph0.note, '{order}', 'A-' || (10000 + m.case_id)) AS note) ph
 ORDER BY m.occurred_at, m.case_id, m.k;

-- ---------------------------------------------------------------------------
-- The seed scenario, written out: an e-mail about order A-1234, a call last
-- week that went through the IVR, an SMS confirming the claim, and today a web
-- chat about the same order, logged in to his account (the chat widget's
-- CRM id; its visitor id is linked to him on first sight).  Plus an older,
-- finished case.
-- ---------------------------------------------------------------------------

INSERT INTO omnichannel.interaction
       (channel, direction, occurred_at, ended_at, contact, agent, queue, subject, body,
        external_id, in_reply_to, refs, attributes)
VALUES
 ('email', 'inbound', '2026-06-02 16:21:04+00', NULL, 'jan.kowalski@example.pl', NULL, 'pl.billing',
  'Faktura do zamówienia A-0987',
  'Dzień dobry, proszę o fakturę VAT do zamówienia A-0987 na firmę: Kowalski Usługi Stolarskie, NIP 525-000-11-22. Pozdrawiam, Jan Kowalski',
  '<20260602162104.4f1c9a@example.pl>', NULL, NULL, '{"order": "A-0987"}'),
 ('email', 'outbound', '2026-06-03 07:05:40+00', NULL, 'email:jan.kowalski@example.pl', 'marta.nowak', 'pl.billing',
  'Re: Faktura do zamówienia A-0987',
  'Dzień dobry Panie Janie, w załączniku faktura INV-2026-00987 do zamówienia A-0987. Pozdrawiamy, Dział Obsługi Klienta',
  '<reply.0987.1@mail.example.com>', '<20260602162104.4f1c9a@example.pl>',
  '{<20260602162104.4f1c9a@example.pl>}', '{"order": "A-0987", "invoice": "INV-2026-00987"}'),
 ('email', 'inbound', '2026-11-10 07:12:33+00', NULL, 'Jan.Kowalski@EXAMPLE.pl', NULL, 'pl.orders',
  'Gdzie jest moje zamówienie A-1234?',
  'Dzień dobry, 3 listopada zamówiłem stół dębowy (zamówienie A-1234). Status od tygodnia to „w doręczeniu”, a paczki nie ma. Proszę o informację. Jan Kowalski',
  '<20261110071233.8be2d1@example.pl>', NULL, NULL, '{"order": "A-1234"}'),
 ('email', 'outbound', '2026-11-10 12:30:00+00', NULL, 'email:jan.kowalski@example.pl', 'piotr.zielinski', 'pl.orders',
  'Re: Gdzie jest moje zamówienie A-1234?',
  'Dzień dobry, sprawdzamy status przesyłki A-1234 u kuriera i wrócimy z odpowiedzią w ciągu 2 dni roboczych. Pozdrawiamy',
  '<reply.1234.1@mail.example.com>', '<20261110071233.8be2d1@example.pl>',
  '{<20261110071233.8be2d1@example.pl>}', '{"order": "A-1234"}'),
 ('ivr', 'inbound', '2026-11-13 09:02:10+00', '2026-11-13 09:03:41+00', '+48 601 234 567', 'bot:assistant', 'pl.orders',
  'Status zamówienia A-1234',
  'IVR: orders > delivery status → order number A-1234 entered on the keypad → transferred to pl.orders',
  'ivr-20261113-090210-4471', NULL, NULL,
  '{"ivr": {"language": "pl", "menu": ["orders", "delivery status"], "order_entered": "A-1234"}, "order": "A-1234"}'),
 ('phone', 'inbound', '2026-11-13 09:03:41+00', '2026-11-13 09:11:02+00', 'tel:+48601234567', 'marta.nowak', 'pl.orders',
  'Status zamówienia A-1234',
  'Klient: Paczka z zamówieniem A-1234 nie dotarła, e-mail z 10.11 bez rozwiązania.' || E'\n' ||
  'Konsultant: Przesyłka utknęła w sortowni kuriera. Zgłoszono reklamację R-5521 u kuriera; informacja do piątku.',
  'call-20261113-090341-4471', 'ivr-20261113-090210-4471', NULL,
  '{"ivr": {"language": "pl", "menu": ["orders", "delivery status"]}, "order": "A-1234", "claim": "R-5521", "call": {"wait_s": 94}}'),
 ('sms', 'outbound', '2026-11-13 09:12:30+00', NULL, 'tel:+48601234567', 'marta.nowak', 'pl.orders',
  NULL, 'Przyjęliśmy zgłoszenie R-5521 w sprawie zamówienia A-1234. Odezwiemy się do piątku.',
  'sms-20261113-091230-4471', 'call-20261113-090341-4471', NULL, '{"order": "A-1234", "claim": "R-5521"}'),
 ('chat', 'inbound', '2026-11-20 09:42:00+00', '2026-11-20 09:55:20+00', 'crm:CUST-100000', 'ewa.kaczmarek', 'pl.orders',
  'Zamówienie A-1234',
  'Klient: Dzwoniłem w zeszłym tygodniu w sprawie zamówienia A-1234 i nadal nie mam paczki.' || E'\n' ||
  'Konsultant: Widzę Pana rozmowę z 13 listopada i zgłoszenie R-5521. Kurier potwierdził doręczenie jutro między 10:00 a 14:00.',
  'chat-20261120-094200-7f3a', NULL, NULL,
  '{"order": "A-1234", "claim": "R-5521", "page": "/konto/zamowienia/A-1234",
    "identifiers": ["web:v-7f3a9c2e1b"]}');

-- Cases whose last word was the company's more than three days before
-- "today" are solved a day after that reply (their resolution clocks stop).
UPDATE omnichannel.thread AS t
   SET status = 'solved', status_changed_at = t.last_outbound_at + interval '1 day'
  FROM demo_anchor AS a
 WHERE t.status = 'open' AND t.waiting_since IS NULL AND t.last_outbound_at IS NOT NULL
   AND t.last_outbound_at < a.t - interval '3 days';

ANALYZE omnichannel.customer;
ANALYZE omnichannel.customer_identifier;
ANALYZE omnichannel.thread;
ANALYZE omnichannel.interaction;

DROP TABLE demo_anchor, demo_lang, demo_names, demo_topic, demo_text, demo_phrase, demo_pattern,
           demo_rand, demo_cust, demo_case0, demo_case, demo_msg0, demo_msg;
RESET max_parallel_workers_per_gather;
RESET synchronize_seqscans;
RESET TimeZone;
RESET client_min_messages;
