#!/usr/bin/env python3
"""Synthetic contact-center stream with ground truth, for the stitching-quality
benchmark (bench/stitch_quality/README.md).

    python3 generate.py --seed 1 [--customers 300] [--out stream_1.sql]

Writes a psql script that
  (a) creates public.bench_truth (external_id -> customer, problem, channel)
      and public.bench_problem (one row per problem: kind, key, flags) and
      fills them,
  (b) creates the customers (explicit ids 1..N),
  (c) inserts the interactions one row at a time in *arrival* order, with the
      agents' "solved" UPDATEs interleaved where they happen.
Deterministic per --seed: every random choice goes through one
random.Random(seed); nothing iterates a set or depends on the clock.
A summary of the stream (counts and proportions) goes to stderr.
"""

import argparse
import datetime
import json
import os
import sys
import unicodedata

sys.dont_write_bytecode = True      # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import texts  # noqa: E402
from texts import L  # noqa: E402

import random  # noqa: E402

START = datetime.datetime(2026, 9, 1, tzinfo=datetime.timezone.utc)
H = 3600
D = 86400

CHANNELS = ['email', 'phone', 'chat', 'sms', 'social']
# customer archetypes: weights of the first channel of a problem
ARCHETYPES = [
    (30, {'email': 45, 'phone': 25, 'chat': 10, 'sms': 8, 'social': 12}),
    (30, {'email': 25, 'phone': 50, 'chat': 10, 'sms': 10, 'social': 5}),
    (20, {'email': 10, 'phone': 10, 'chat': 35, 'sms': 20, 'social': 25}),
    (20, {'email': 25, 'phone': 25, 'chat': 20, 'sms': 15, 'social': 15}),
]
# channel switches between the episodes of one problem
NEXT_CHANNEL = {
    'email': {'phone': 45, 'chat': 15, 'email': 15, 'sms': 10, 'social': 15},
    'phone': {'email': 35, 'phone': 25, 'sms': 20, 'chat': 10, 'social': 10},
    'chat': {'sms': 30, 'phone': 30, 'email': 25, 'chat': 15},
    'sms': {'phone': 50, 'email': 20, 'chat': 20, 'sms': 10},
    'social': {'phone': 45, 'chat': 20, 'email': 20, 'social': 15},
}
EPISODES = {1: 42, 2: 36, 3: 16, 4: 6}
PROBLEMS_PER_CUSTOMER = {1: 33, 2: 36, 3: 21, 4: 10}

# where the business key of an interaction appears (keyed problems only)
PLACEMENT = [('attr', 35), ('keys', 10), ('label', 25), ('bare', 10), ('absent', 20)]

P_OVERLAP = 0.30        # a customer's next problem starts while the previous one runs
P_REOPEN = 0.10         # the customer comes back 1-5 days after "solved"
P_LATE_MAIL = 0.03      # a mail is stored 2-24 h after it was written
P_DROP_HEADERS = 0.18   # a customer's reply loses In-Reply-To and References
P_NO_KEY = 0.05         # a keyed problem whose key is never known
P_SHARED_ORDER = 0.25   # a refund about the order of an earlier problem of the customer


def fold_ascii(s):
    s = s.replace('ł', 'l').replace('Ł', 'L').replace('ß', 'ss')
    s = unicodedata.normalize('NFKD', s)
    return ''.join(c for c in s if c.isascii() and (c.isalnum() or c in '._'))


def ts(sec):
    return (START + datetime.timedelta(seconds=sec)).strftime('%Y-%m-%d %H:%M:%S+00')


def q(s):
    """SQL literal (standard_conforming_strings = on)."""
    if s is None:
        return 'NULL'
    return "'" + str(s).replace("'", "''") + "'"


class Gen:
    def __init__(self, seed, customers, days):
        self.rng = random.Random(seed)
        self.seed = seed
        self.ncust = customers
        self.days = days
        self.n = 0                  # external id counter
        self.used_keys = set()      # membership only, never iterated
        self.interactions = []
        self.solves = []            # (time, problem, seq)
        self.problems = []
        self.customers = []
        self.seq = 0
        self.stats = {'late_mails': 0, 'dropped_headers': 0, 'replies': 0,
                      'placement': {k: 0 for k, _ in PLACEMENT}, 'key_in_subject': 0}

    # -- random helpers ------------------------------------------------------
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def wpick(self, weights):
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def between(self, lo, hi):
        return int(self.rng.uniform(lo, hi))

    def daytime(self, t, lo=7, hi=22):
        """Move t to the next moment between lo and hi o'clock (UTC)."""
        h = (t % D) / H
        if lo <= h < hi:
            return t
        day = t - t % D
        if h >= hi:
            day += D
        return day + lo * H + self.between(0, 90 * 60)

    def next_id(self):
        self.n += 1
        return self.n

    def new_key(self, kind):
        while True:
            if kind == 'order':
                v = '%s-%05d' % (self.pick('ABC'), self.rng.randint(10000, 99999))
            elif kind == 'invoice':
                v = 'INV-2026-%04d' % self.rng.randint(1, 9999)
            elif kind == 'booking':
                v = 'BK-%05d' % self.rng.randint(10000, 99999)
            else:
                v = 'CL-%05d' % self.rng.randint(10000, 99999)
            if v not in self.used_keys:
                self.used_keys.add(v)
                return v

    # -- customers -------------------------------------------------------------
    def make_customers(self):
        langs = texts.LANGS
        for cid in range(1, self.ncust + 1):
            lang = self.rng.choices(langs, weights=texts.LANG_WEIGHTS)[0]
            T = L[lang]
            first, last = self.pick(T['first']), self.pick(T['last'])
            arche = self.rng.choices([a[1] for a in ARCHETYPES], weights=[a[0] for a in ARCHETYPES])[0]
            prefix, ndig = T['phone']
            phone = prefix + ''.join(str(self.rng.randrange(10)) for _ in range(ndig))
            mail = '%s.%s%d@%s' % (fold_ascii(first).lower(), fold_ascii(last).lower(),
                                   self.rng.randrange(10, 99), self.pick(T['domains']))
            handle = '@%s_%s%d' % (fold_ascii(first).lower(), fold_ascii(last).lower()[:3],
                                   self.rng.randrange(100, 999))
            self.customers.append(dict(id=cid, lang=lang, first=first, name='%s %s' % (first, last),
                                       pref=arche, phone=phone, mail=mail, handle=handle,
                                       domain=mail.split('@')[1]))

    # -- texts -------------------------------------------------------------------
    def label(self, P, T):
        return self.pick(T['labels'][P['key_kind']])

    def placement(self, P):
        if not P['key']:
            return 'none'
        mode = self.rng.choices([p[0] for p in PLACEMENT], weights=[p[1] for p in PLACEMENT])[0]
        self.stats['placement'][mode] += 1
        return mode

    def keyed(self, P, T, sentence, mode, role):
        """sentence with the key worked in as mode says (label / bare)."""
        if mode == 'label':
            ref = '%s %s' % (self.label(P, T), P['key'])
            extra = self.pick(T['ref_c'] if role == 'c' else T['ref_a']).format(ref=ref)
            return (sentence + ' ' + extra) if role == 'c' else (extra + ' ' + sentence)
        if mode == 'bare':
            s = sentence.rstrip()
            end = s[-1] if s and s[-1] in '.!?' else ''
            core = s[:-1] if end else s
            return '%s (%s)%s' % (core, P['key'], end)
        return sentence

    def attrs(self, P, mode, base):
        a = dict(base)
        if mode == 'attr':
            a[self.pick(texts.ATTR_NAMES[P['key_kind']])] = P['key']
        elif mode == 'keys':
            a['keys'] = {P['key_kind']: P['key']}
        return a

    def topic(self, P, T):
        return self.pick(T['p'][P['kind']]['topic'])

    # -- interactions ------------------------------------------------------------
    def add(self, P, channel, direction, t, *, ext, body, subject=None, ended=None,
            agent=None, contact=None, attributes=None, in_reply_to=None, refs=None,
            lag=None):
        if lag is None:
            lag = self.between(2, 60)
        arrival = (ended if ended is not None else t) + lag     # calls and chats: stored at their end
        late = False
        C = P['cust']
        self.seq += 1
        ix = dict(ext=ext, customer=C['id'], problem=P['id'], channel=channel,
                  direction=direction, t=t, ended=ended, agent=agent,
                  contact=contact, queue=texts.QUEUE[P['kind']] + '_' + C['lang'],
                  subject=subject, body=body, in_reply_to=in_reply_to, refs=refs,
                  attributes=attributes or {}, arrival=arrival, late=late, seq=self.seq)
        self.interactions.append(ix)
        P['ix'].append(ix)
        P['last'] = max(P['last'], ended if ended is not None else t)
        return ix

    def agent_name(self, C):
        return 'agent_' + fold_ascii(self.pick(L[C['lang']]['agents'])).lower()

    # mail ---------------------------------------------------------------------
    def mail_subject_new(self, P, T, mode, followup):
        S = T['p'][P['kind']]
        if followup and P['subject']:
            subj = self.pick(T['follow_subj']).format(subj=P['subject'])
        elif self.rng.random() < 0.10:
            subj = self.pick(T['generic_subj'])
        else:
            subj = self.pick(S['subj'])
        in_subject = False
        if mode == 'label' and self.rng.random() < 0.4:
            lab = self.label(P, T)
            subj = '%s %s: %s' % (lab[0].upper() + lab[1:], P['key'], subj)
            in_subject = True
            self.stats['key_in_subject'] += 1
        elif mode == 'bare' and self.rng.random() < 0.3:
            subj = '%s - %s' % (subj, P['key'])
            in_subject = True
            self.stats['key_in_subject'] += 1
        return subj, in_subject

    def customer_mail(self, P, t, kind):
        """kind: open | follow | reopen | thanks; replies to the last agent mail if any."""
        C = P['cust']
        T = L[C['lang']]
        S = T['p'][P['kind']]
        mode = self.placement(P)
        topic = self.topic(P, T)
        sentence = {'open': lambda: self.pick(S['c_open']),
                    'follow': lambda: self.pick(T['c_follow']).format(topic=topic),
                    'reopen': lambda: self.pick(T['c_reopen']).format(topic=topic),
                    'thanks': lambda: self.pick(T['c_thanks'])}[kind]()
        last = P['last_agent_mail']
        reply = last is not None and kind != 'open' and self.rng.random() < (0.9 if kind != 'follow' else 0.65)
        irt = refs = None
        key_in_subject = False
        if reply:
            self.stats['replies'] += 1
            base = last['subject'] if self.rng.random() < 0.3 else P['subject']
            subject = self.pick(T['re']) + base
            if self.rng.random() < P_DROP_HEADERS:
                self.stats['dropped_headers'] += 1
            else:
                irt = last['ext']
                refs = (last['refs'] or [])[-9:] + [last['ext']]
        else:
            subject, key_in_subject = self.mail_subject_new(P, T, mode, kind != 'open')
            P['subject'] = subject
        body_mode = 'absent' if key_in_subject else mode
        body = '%s\n\n%s\n\n%s' % (self.pick(T['greet_c']), self.keyed(P, T, sentence, body_mode, 'c'),
                                   self.pick(T['close_c']).format(name=C['first']))
        n = self.next_id()
        ext = '<%08X.%d@mail.%s>' % (self.rng.getrandbits(32), n, C['domain'])
        return self.add(P, 'email', 'inbound', t, ext=ext, subject=subject, body=body,
                        contact='email:' + C['mail'], in_reply_to=irt, refs=refs,
                        attributes=self.attrs(P, mode, {'mailbox': 'support@shop.example'}))

    def agent_mail(self, P, t, to, kind):
        """An agent's mail: a reply to the customer mail `to`, or a new one (to=None)."""
        C = P['cust']
        T = L[C['lang']]
        S = T['p'][P['kind']]
        mode = self.placement(P)
        agent = self.agent_name(C)
        sentence = {'ack': lambda: self.pick(T['a_ack']).format(topic=self.topic(P, T)),
                    'reply': lambda: self.pick(S['a_reply']),
                    'final': lambda: self.pick(S['a_final'])}[kind]()
        if to is not None:
            subject = self.pick(T['re']) + (P['subject'] or to['subject'] or '')
            irt = to['ext']
            refs = (to['refs'] or [])[-9:] + [to['ext']]
        else:
            subject, _ = self.mail_subject_new(P, T, mode, False)
            P['subject'] = subject
            irt = refs = None
        body = '%s\n\n%s\n\n%s' % (self.pick(T['greet_a']).format(name=C['first']),
                                   self.keyed(P, T, sentence, mode, 'a'),
                                   self.pick(T['close_a']).format(agent=agent[6:].capitalize()))
        n = self.next_id()
        ext = '<%d.%08x@helpdesk.shop.example>' % (n, self.rng.getrandbits(32))
        ix = self.add(P, 'email', 'outbound', t, ext=ext, subject=subject, body=body, agent=agent,
                      contact='email:' + C['mail'], in_reply_to=irt, refs=refs,
                      attributes=self.attrs(P, mode, {'mailbox': 'support@shop.example'}))
        P['last_agent_mail'] = ix
        return ix

    def ep_email(self, P, t, kind):
        m = self.customer_mail(P, t, kind)
        end = t
        if self.rng.random() < 0.88:
            t2 = self.daytime(t + self.between(1 * H, 26 * H), 8, 20)
            a = self.agent_mail(P, t2, m, 'ack' if kind == 'open' else 'reply')
            end = t2
            if self.rng.random() < 0.55:
                t3 = self.daytime(t2 + self.between(1 * H, 36 * H))
                m2 = self.customer_mail(P, t3, self.pick(['follow', 'thanks', 'follow']))
                end = t3
                if self.rng.random() < 0.5:
                    t4 = self.daytime(t3 + self.between(1 * H, 24 * H), 8, 20)
                    self.agent_mail(P, t4, m2, 'reply')
                    end = t4
            del a
        return end

    # live and short channels -----------------------------------------------------
    def call(self, P, t, direction, missed=False):
        C = P['cust']
        T = L[C['lang']]
        n = self.next_id()
        if missed:
            return self.add(P, 'phone', 'inbound', t, ext='call-%d' % n, ended=t + self.between(20, 90),
                            body=self.pick(T['call_missed']), contact='tel:' + C['phone'],
                            attributes={'ivr': {'menu': [P['kind']]}, 'abandoned': True})
        mode = self.placement(P)
        tmpl = T['call_in'] if direction == 'inbound' else T['call_out']
        body = self.keyed(P, T, self.pick(tmpl).format(topic=self.topic(P, T)), mode, 'c')
        base = ({'ivr': {'menu': [texts.QUEUE[P['kind']]]}, 'wait_s': self.between(5, 600)}
                if direction == 'inbound' else {'campaign': 'callback'})
        return self.add(P, 'phone', direction, t, ext='call-%d' % n,
                        ended=t + self.between(2 * 60, 25 * 60), agent=self.agent_name(C),
                        body=body, contact='tel:' + C['phone'], attributes=self.attrs(P, mode, base))

    def ep_phone(self, P, t, kind):
        t = self.daytime(t, 8, 20)
        if self.rng.random() < 0.06:
            self.call(P, t, 'inbound', missed=True)
            t += self.between(5 * 60, 40 * 60)
        c = self.call(P, t, 'inbound')
        end = c['ended']
        if self.rng.random() < 0.15:
            t2 = self.daytime(end + self.between(2 * H, 48 * H), 8, 20)
            end = self.call(P, t2, 'outbound')['ended']
        return end

    def chat(self, P, t):
        C = P['cust']
        T = L[C['lang']]
        n = self.next_id()
        mode = self.placement(P)
        agent = self.agent_name(C)
        text = self.pick(T['chat']).format(topic=self.topic(P, T), agent=agent[6:].capitalize())
        first, _, rest = text.partition(' | ')
        body = self.keyed(P, T, first, mode, 'c') + ' | ' + rest
        return self.add(P, 'chat', 'inbound', t, ext='chat-%d' % n,
                        ended=t + self.between(4 * 60, 30 * 60), agent=agent, body=body,
                        contact='email:' + C['mail'],
                        attributes=self.attrs(P, mode, {'page': self.pick(['/orders', '/help', '/account', '/contact'])}))

    def ep_chat(self, P, t, kind):
        c = self.chat(P, self.daytime(t, 8, 21))
        end = c['ended']
        if self.rng.random() < 0.15:      # disconnected, comes back
            end = self.chat(P, end + self.between(5 * 60, 60 * 60))['ended']
        return end

    def sms(self, P, t, direction):
        C = P['cust']
        T = L[C['lang']]
        n = self.next_id()
        mode = self.placement(P)
        topic = self.topic(P, T)
        if direction == 'inbound':
            body = self.keyed(P, T, self.pick(T['sms_c']).format(topic=topic), mode, 'c')
            agent = None
        else:
            body = self.keyed(P, T, self.pick(T['sms_a']).format(topic=topic, name=C['first']), mode, 'a')
            agent = self.agent_name(C)
        return self.add(P, 'sms', direction, t, ext='sms-%d' % n, body=body, agent=agent,
                        contact='tel:' + C['phone'], attributes=self.attrs(P, mode, {'gateway': 'smsgw'}))

    def ep_sms(self, P, t, kind):
        t = self.daytime(t)
        if self.rng.random() < 0.35 and kind != 'open':
            # the agent writes first, the customer answers
            t = self.daytime(t, 8, 20)
            self.sms(P, t, 'outbound')
            t2 = self.daytime(t + self.between(10 * 60, 20 * H))
            self.sms(P, t2, 'inbound')
            return t2
        self.sms(P, t, 'inbound')
        end = t
        if self.rng.random() < 0.8:
            end = self.daytime(t + self.between(5 * 60, 4 * H), 8, 20)
            self.sms(P, end, 'outbound')
            if self.rng.random() < 0.3:
                end = end + self.between(2 * 60, 3 * H)
                self.sms(P, end, 'inbound')
        return end

    def social(self, P, t, direction, dm):
        C = P['cust']
        T = L[C['lang']]
        n = self.next_id()
        mode = self.placement(P) if dm else ('absent' if P['key'] else 'none')  # public posts rarely carry keys
        topic = self.topic(P, T)
        if direction == 'inbound':
            body = self.keyed(P, T, self.pick(T['social_c']).format(topic=topic), mode, 'c')
            agent = None
        else:
            body = self.keyed(P, T, self.pick(T['social_a']).format(name=C['first'], agent=self.pick(T['agents'])), mode, 'a')
            agent = self.agent_name(C)
        return self.add(P, 'social', direction, t, ext='soc-%d' % n, body=body, agent=agent,
                        contact='twitter:' + C['handle'],
                        attributes=self.attrs(P, mode, {'network': 'twitter', 'public': not dm}))

    def ep_social(self, P, t, kind):
        t = self.daytime(t)
        self.social(P, t, 'inbound', dm=self.rng.random() < 0.4)
        end = t
        if self.rng.random() < 0.85:
            end = self.daytime(t + self.between(20 * 60, 6 * H), 8, 21)
            self.social(P, end, 'outbound', dm=False)
            if self.rng.random() < 0.5:
                end = end + self.between(5 * 60, 5 * H)
                self.social(P, end, 'inbound', dm=True)
                if self.rng.random() < 0.6:
                    end = self.daytime(end + self.between(10 * 60, 5 * H), 8, 21)
                    self.social(P, end, 'outbound', dm=True)
        return end

    def episode(self, P, channel, t, kind):
        return {'email': self.ep_email, 'phone': self.ep_phone, 'chat': self.ep_chat,
                'sms': self.ep_sms, 'social': self.ep_social}[channel](P, t, kind)

    # -- problems -------------------------------------------------------------------
    def solve(self, P, after):
        """An agent sets the thread of the problem's latest stored interaction solved."""
        t = self.daytime(after + self.between(1 * H, 30 * H), 8, 20)
        self.seq += 1
        # which interaction the agent looks at is decided in finalize(), once
        # the arrival times (late mails) are known
        self.solves.append(dict(t=t, P=P, ix_before=len(P['ix']), seq=self.seq))
        return t

    def finalize(self):
        """Late mails, then the interaction each solve UPDATE names."""
        by_cust = {}
        for x in self.interactions:
            by_cust.setdefault(x['customer'], []).append(x)
        mails = [x for x in self.interactions if x['channel'] == 'email']

        # A mail is "late" when it is stored 2-30 h after it was written and
        # after a later-written interaction of its customer.  A late customer
        # mail is still stored before any agent mail that answers it (an agent
        # cannot answer what the system has not received); an agent mail may be
        # stored after the customer's reply to it (a lagging outbound journal),
        # which exercises the extension's pending references.
        answered_at = {}
        for x in mails:
            if x['direction'] == 'outbound':
                for r in [x['in_reply_to']] + (x['refs'] or []):
                    if r is not None:
                        answered_at[r] = min(answered_at.get(r, x['t']), x['t'])

        def window(m):
            later = [o for o in by_cust[m['customer']] if m['t'] < o['t'] <= m['t'] + 20 * H]
            if not later:
                return None
            lo = max(m['t'] + 2 * H, min(o['arrival'] for o in later) + 10 * 60)
            hi = m['t'] + 30 * H
            if m['direction'] == 'inbound' and m['ext'] in answered_at:
                hi = min(hi, answered_at[m['ext']] - 60)
            return (lo, hi) if lo < hi else None
        cands = [m for m in mails if window(m)]
        p = min(1.0, P_LATE_MAIL * len(mails) / max(len(cands), 1))
        for m in cands:
            if self.rng.random() < p:
                lo, hi = window(m)
                m['arrival'] = min(hi, lo + self.between(0, 12 * H))
                m['late'] = True
                self.stats['late_mails'] += 1
        for s in self.solves:
            # the problem's latest interaction (by occurred_at) stored before the
            # agent solves it, among those of the problem so far
            cand = s['P']['ix'][:s['ix_before']]
            arrived = [ix for ix in cand if ix['arrival'] < s['t']]
            if not arrived:   # everything still in flight: the agent solves after the first arrival
                first = min(cand, key=lambda ix: (ix['arrival'], ix['seq']))
                s['t'] = first['arrival'] + self.between(30 * 60, 3 * H)
                arrived = [first]
            latest = max(arrived, key=lambda ix: (ix['t'], ix['seq']))
            s['ext'] = latest['ext']
            s['problem'] = s['P']['id']

    def make_problem(self, C, pid, start, earlier):
        kind = self.wpick(texts.PROBLEM_WEIGHTS)
        key_kind = texts.KEY_KIND[kind]
        key = None
        shared = False
        if key_kind and self.rng.random() >= P_NO_KEY:
            prev = [p for p in earlier if p['key_kind'] == 'order' and p['key']]
            if kind == 'refund' and prev and self.rng.random() < P_SHARED_ORDER:
                key = self.pick(prev)['key']
                shared = True
            else:
                key = self.new_key(key_kind)
        P = dict(id=pid, cust=C, kind=kind, key_kind=key_kind, key=key, shared_key=shared,
                 start=start, ix=[], last=start, subject=None, last_agent_mail=None,
                 reopened=False, overlaps=False)
        channel = self.wpick(C['pref'])
        t = self.daytime(start)
        n_ep = self.wpick(EPISODES)
        for i in range(n_ep):
            end = self.episode(P, channel, t, 'open' if i == 0 else 'follow')
            if i + 1 < n_ep:
                r = self.rng.random()
                gap = (self.between(2 * H, 20 * H) if r < 0.4 else
                       self.between(1 * D, 3 * D) if r < 0.9 else self.between(3 * D, 6 * D))
                t = end + gap
                channel = self.wpick(NEXT_CHANNEL[channel])
        if self.rng.random() < 0.3:
            # closing message of the agent on mail or SMS
            t = self.daytime(P['last'] + self.between(1 * H, 48 * H), 8, 20)
            if P['last_agent_mail'] is not None or C['pref']['email'] >= 25:
                self.agent_mail(P, t, P['last_agent_mail'], 'final')
            else:
                self.sms(P, t, 'outbound')
        solved = self.solve(P, P['last'])
        if self.rng.random() < P_REOPEN:
            P['reopened'] = True
            t = self.daytime(solved + self.between(1 * D, 5 * D))
            if P['last_agent_mail'] is not None and self.rng.random() < 0.5:
                self.ep_email(P, t, 'reopen')
            else:
                ch = self.wpick({'phone': 40, 'chat': 20, 'sms': 15, 'social': 10, 'email': 15})
                if ch == 'email':
                    self.ep_email(P, t, 'reopen')
                else:
                    self.episode(P, ch, t, 'reopen')
            solved = self.solve(P, P['last'])
        P['solved'] = solved
        return P

    def make(self):
        self.make_customers()
        pid = 0
        for C in self.customers:
            nprob = self.wpick(PROBLEMS_PER_CUSTOMER)
            start = self.between(0, 40 * D)
            done = []
            last_solved = 0
            for k in range(nprob):
                if k > 0:
                    prev = done[-1]
                    if self.rng.random() < P_OVERLAP:
                        span = max(prev['last'] - prev['start'], 2 * H)
                        start = prev['start'] + int(span * self.rng.uniform(0.15, 0.85))
                        overlaps = True
                    else:
                        start = last_solved + self.between(12 * H, 15 * D)
                        overlaps = False
                    if start > (self.days - 3) * D:
                        break
                pid += 1
                P = self.make_problem(C, pid, start, done)
                P['overlaps'] = k > 0 and overlaps
                done.append(P)
                self.problems.append(P)
                last_solved = max(last_solved, P['solved'])
        self.finalize()

    # -- output -------------------------------------------------------------------------
    def write(self, out):
        w = out.write
        ixs = self.interactions
        w('-- bench/stitch_quality stream, seed %d: %d customers, %d problems, %d interactions\n'
          % (self.seed, len(self.customers), len(self.problems), len(ixs)))
        w('-- generated by bench/stitch_quality/generate.py; run with psql -v ON_ERROR_STOP=1\n')
        w("SET client_min_messages = warning;\nSET TimeZone = 'UTC';\n\n")
        w('DROP TABLE IF EXISTS public.bench_truth, public.bench_problem;\n')
        w('CREATE TABLE public.bench_truth (external_id text PRIMARY KEY, customer_id bigint NOT NULL,\n'
          '    problem_id int NOT NULL, channel text NOT NULL);\n')
        w('CREATE TABLE public.bench_problem (problem_id int PRIMARY KEY, customer_id bigint NOT NULL,\n'
          '    kind text NOT NULL, key_name text, key_value text, shared_key boolean NOT NULL,\n'
          '    overlapping boolean NOT NULL, reopened boolean NOT NULL, interactions int NOT NULL);\n')
        for i in range(0, len(ixs), 500):
            w('INSERT INTO public.bench_truth VALUES\n')
            w(',\n'.join('(%s, %d, %d, %s)' % (q(x['ext']), x['customer'], x['problem'], q(x['channel']))
                         for x in ixs[i:i + 500]))
            w(';\n')
        w('INSERT INTO public.bench_problem VALUES\n')
        w(',\n'.join('(%d, %d, %s, %s, %s, %s, %s, %s, %d)' % (
            P['id'], P['cust']['id'], q(P['kind']), q(P['key_kind'] if P['key'] else None), q(P['key']),
            P['shared_key'], P['overlaps'], P['reopened'], len(P['ix'])) for P in self.problems))
        w(';\nANALYZE public.bench_truth;\n\n')

        w('INSERT INTO omnichannel.customer (id, display_name, language, created_at) VALUES\n')
        w(',\n'.join("(%d, %s, %s, '2026-01-01 00:00:00+00')" % (C['id'], q(C['name']), q(C['lang']))
                     for C in self.customers))
        w(";\nSELECT setval(pg_get_serial_sequence('omnichannel.customer', 'id'), %d) \\g /dev/null\n\n"
          % len(self.customers))

        events = [(x['arrival'], 0, x['seq'], 'i', x) for x in ixs]
        events += [(s['t'], 1, s['seq'], 's', s) for s in self.solves]
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        w('-- the stream, in arrival order\n')
        for _, _, _, kind, x in events:
            if kind == 's':
                w("UPDATE omnichannel.thread SET status = 'solved', status_changed_at = %s "
                  "WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = %s);\n"
                  % (q(ts(x['t'])), q(x['ext'])))
                continue
            refs = ('ARRAY[%s]::text[]' % ', '.join(q(r) for r in x['refs'])) if x['refs'] else 'NULL'
            attrs = q(json.dumps(x['attributes'], ensure_ascii=False, sort_keys=True)) + '::jsonb'
            w('INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, ended_at, '
              'contact, agent, queue, subject, body, external_id, in_reply_to, refs, attributes) VALUES '
              '(%d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s);\n' % (
                  x['customer'], q(x['channel']), q(x['direction']), q(ts(x['t'])),
                  q(ts(x['ended'])) if x['ended'] is not None else 'NULL',
                  q(x['contact']), q(x['agent']), q(x['queue']), q(x['subject']), q(x['body']),
                  q(x['ext']), q(x['in_reply_to']), refs, attrs))

    def summary(self):
        ixs = self.interactions
        n = len(ixs)
        out = []
        by_ch = {}
        for x in ixs:
            by_ch[x['channel']] = by_ch.get(x['channel'], 0) + 1
        mails = by_ch.get('email', 0)
        pl = self.stats['placement']
        npl = sum(pl.values()) or 1
        late_arrivals = 0
        order = sorted(ixs, key=lambda x: (x['arrival'], x['seq']))
        latest = {}
        for x in order:
            if x['t'] < latest.get(x['customer'], -1):
                late_arrivals += 1
            latest[x['customer']] = max(latest.get(x['customer'], -1), x['t'])
        span = (max(x['t'] for x in ixs) - min(x['t'] for x in ixs)) / D
        out.append('seed %d: %d customers, %d problems (%.2f per customer), %d interactions over %.0f days'
                   % (self.seed, len(self.customers), len(self.problems),
                      len(self.problems) / len(self.customers), n, span))
        out.append('  channels: ' + ', '.join('%s %d (%.0f %%)' % (c, by_ch.get(c, 0), 100 * by_ch.get(c, 0) / n)
                                                for c in CHANNELS))
        out.append('  outbound %.0f %%, live sessions with agent %d, solve updates %d'
                   % (100 * sum(x['direction'] == 'outbound' for x in ixs) / n,
                      sum(1 for x in ixs if x['ended'] is not None and x['agent']), len(self.solves)))
        out.append('  problems: keyed %.0f %%, overlapping %.0f %%, reopened %.0f %%, refund sharing an earlier order %d'
                   % (100 * sum(1 for p in self.problems if p['key']) / len(self.problems),
                      100 * sum(1 for p in self.problems if p['overlaps']) / len(self.problems),
                      100 * sum(1 for p in self.problems if p['reopened']) / len(self.problems),
                      sum(1 for p in self.problems if p['shared_key'])))
        out.append('  key placement (interactions of keyed problems): ' +
                   ', '.join('%s %.0f %%' % (k, 100 * pl[k] / npl) for k, _ in PLACEMENT) +
                   '; key in a new mail subject %d' % self.stats['key_in_subject'])
        solved_first = 0
        for s in self.solves:
            solved_first += sum(1 for x in s['P']['ix'][:s['ix_before']]
                                if x['late'] and x['t'] < s['t'] < x['arrival'] and x['direction'] == 'inbound')
        out.append('  mails: %d, customer replies to agent mail %d (headers dropped %d), late mails %d (%.1f %%: '
                   '%d inbound, %d stored after their problem was set solved), '
                   'rows stored after a later-written row of the customer %d'
                   % (mails, self.stats['replies'], self.stats['dropped_headers'], self.stats['late_mails'],
                      100 * self.stats['late_mails'] / max(mails, 1),
                      sum(1 for x in ixs if x['late'] and x['direction'] == 'inbound'), solved_first,
                      late_arrivals))
        return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--customers', type=int, default=300)
    ap.add_argument('--days', type=int, default=60)
    ap.add_argument('--out', default='-', help='output file (default stdout)')
    ap.add_argument('--quiet', action='store_true', help='no summary on stderr')
    a = ap.parse_args()
    g = Gen(a.seed, a.customers, a.days)
    g.make()
    if a.out == '-':
        g.write(sys.stdout)
    else:
        with open(a.out, 'w', encoding='utf-8') as f:
            g.write(f)
    if not a.quiet:
        print(g.summary(), file=sys.stderr)


if __name__ == '__main__':
    main()
