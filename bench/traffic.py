"""The request headers of the throughput benchmark's clicks: a mix drawn per request.

With one User-Agent, one referrer and one visitor on every request, a click's stats
would fold the same values again and again, and every cache keyed on them (the
User-Agent's families, the crawler check, a day's merged counts) would hit far more
than under real traffic. wrk's Lua script (`wrk_script`) therefore draws, for every
request, a link, a User-Agent, a referrer and an Accept-Language, each from a fixed,
weighted table, with a seeded generator: the same sequence on every run.

- User-Agent: 37 real strings (browsers on desktop and mobile, in-app browsers of the
  social apps links are shared in, two HTTP libraries, and self-declared crawlers and
  link-preview fetchers, 10% of the requests), most with the version numbers real
  traffic spreads over (browser majors, iOS releases, app builds, phone models): 230
  distinct strings.
- Referer: none on 45% of the requests (apps, mail clients, typed or pasted links),
  29 big sites' origins (as `strict-origin-when-cross-origin` sends them) on 35%, and
  a long tail of 2,000 other sites (Zipf), a quarter with a page's path, on 20%.
- The visitor: the local server believes no header for the client's address unless
  `TRUST_CLOUDFRONT_VIEWER_HEADERS` is on (decision 0704), and the benchmark runs it
  as `make run` does, so every click comes from 127.0.0.1 and the daily visitor hash
  (day, address, User-Agent) varies only with the User-Agent: one visitor per distinct
  User-Agent string.
"""

# ruff: noqa: E501 - real User-Agent strings, each on one line, are longer than a line

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path

SEED = 42
BOT_SHARE = 0.10
NO_REFERRER_SHARE = 0.45
TAIL_REFERRER_SHARE = 0.20
TAIL_SITES = 2_000

_CHROME = ("126", "127", "128", "129", "130", "131")
_FIREFOX = ("128", "130", "131", "132", "133")
_IOS = (("17_5_1", "17.5"), ("17_6_1", "17.6"), ("18_0", "18.0"), ("18_0_1", "18.0"),
        ("18_1", "18.1"), ("18_1_1", "18.1"), ("18_2", "18.2"))  # fmt: skip
_SAMSUNG = ("SM-S918B", "SM-S911B", "SM-A546B", "SM-A155F", "SM-G991B", "SM-A256B")
_IPHONE = ("iPhone14,7", "iPhone15,2", "iPhone15,3", "iPhone16,1", "iPhone16,2", "iPhone17,1")

# (weight, the strings one template gives, each as likely as the others)
_HUMANS: tuple[tuple[float, Sequence[str]], ...] = (
    (16.0, [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36" for v in _CHROME]),
    (6.0, [f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36" for v in _CHROME]),
    (1.5, [f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36" for v in _CHROME]),
    (18.0, [f"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36" for v in _CHROME]),
    (2.0, [f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{v}.0.6778.73 Mobile/15E148 Safari/604.1" for ios, _ in _IOS[-3:] for v in _CHROME[-3:]]),
    (15.0, [f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Mobile/15E148 Safari/604.1" for ios, v in _IOS]),
    (1.5, [f"Mozilla/5.0 (iPad; CPU OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Mobile/15E148 Safari/604.1" for ios, v in _IOS]),
    (3.0, [f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Safari/605.1.15" for _, v in _IOS[::2]]),
    (5.0, [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0" for v in _CHROME]),
    (2.5, [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0" for v in _FIREFOX]),
    (0.7, [f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{v}.0) Gecko/20100101 Firefox/{v}.0" for v in _FIREFOX]),
    (0.5, [f"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0" for v in _FIREFOX]),
    (0.5, [f"Mozilla/5.0 (Android 14; Mobile; rv:{v}.0) Gecko/{v}.0 Firefox/{v}.0" for v in _FIREFOX]),
    (2.5, [f"Mozilla/5.0 (Linux; Android 14; SAMSUNG {model}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{v} Chrome/122.0.0.0 Mobile Safari/537.36" for model in _SAMSUNG for v in ("26.0", "27.0")]),
    (1.5, [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 OPR/{int(v) - 15}.0.0.0" for v in _CHROME[-3:]]),
    (3.0, [f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22B83 Instagram {build} ({phone}; iOS {ios}; en_US; en; scale=3.00; 1290x2796; 652769148)" for ios, _ in _IOS[-3:] for phone in _IPHONE for build in ("355.0.0.21.103", "357.0.0.25.101")]),
    (2.0, [f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22B83 [FBAN/FBIOS;FBAV/{v}.0.0.39.103;FBBV/{v}123456;FBDV/{phone};FBMD/iPhone;FBSN/iOS;FBSV/{ios.replace('_', '.')};FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]" for ios, _ in _IOS[-3:] for phone in _IPHONE for v in ("489", "491")]),
    (2.0, [f"Mozilla/5.0 (Linux; Android 14; {model} Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/{v}.0.6723.107 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/{app}.0.0.44.118;]" for model in _SAMSUNG for v in _CHROME[-2:] for app in ("489", "491")]),
    (1.0, [f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/22B83 [LinkedInApp]/9.30.{build}" for ios, _ in _IOS[-3:] for build in ("5041", "5244", "5520")]),
    (1.5, [f"Mozilla/5.0 (Linux; Android 14; Pixel {n} Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/{v}.0.6723.107 Mobile Safari/537.36" for n in ("7", "8", "8 Pro", "9") for v in _CHROME[-3:]]),
    (0.3, ["curl/8.5.0", "curl/7.88.1", "curl/8.11.0"]),
    (0.2, ["python-requests/2.32.3", "python-requests/2.31.0"]),
)  # fmt: skip

# Self-declared crawlers and link-preview fetchers: counted apart as bot visits.
_BOTS: tuple[tuple[float, Sequence[str]], ...] = (
    (1.5, ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]),
    (1.0, ["Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]),
    (1.0, ["Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"]),
    (1.5, ["facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"]),
    (1.0, ["Twitterbot/1.0"]),
    (0.8, ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"]),
    (0.5, ["LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"]),
    (0.8, ["WhatsApp/2.23.20.0", "WhatsApp/2.24.22.79 A"]),
    (0.4, ["TelegramBot (like TwitterBot)"]),
    (0.4, ["Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"]),
    (0.3, ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"]),
    (0.4, ["Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"]),
    (0.3, ["Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)"]),
    (0.2, ["Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"]),
    (0.1, ["DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"]),
)  # fmt: skip

_BIG_SITES = (
    (9.0, "https://t.co/"), (7.0, "https://l.facebook.com/"), (3.0, "https://lm.facebook.com/"),
    (2.0, "https://www.facebook.com/"), (6.0, "https://www.google.com/"),
    (1.0, "https://www.google.de/"), (1.0, "https://www.google.co.uk/"),
    (3.0, "https://l.instagram.com/"), (4.0, "https://www.linkedin.com/"),
    (3.0, "https://www.reddit.com/"), (1.5, "https://out.reddit.com/"),
    (1.5, "https://news.ycombinator.com/"), (2.0, "https://www.youtube.com/"),
    (1.0, "https://duckduckgo.com/"), (1.5, "https://www.bing.com/"),
    (1.5, "https://mail.google.com/"), (1.0, "https://outlook.live.com/"),
    (0.8, "https://teams.microsoft.com/"), (1.0, "https://app.slack.com/"),
    (0.8, "https://discord.com/"), (0.8, "https://web.whatsapp.com/"),
    (0.5, "https://web.telegram.org/"), (1.0, "https://www.tiktok.com/"),
    (0.8, "https://medium.com/"), (0.6, "https://substack.com/"),
    (0.5, "https://github.com/"), (0.4, "https://mastodon.social/"),
    (0.4, "https://bsky.app/"), (0.3, "android-app://com.google.android.gm/"),
)  # fmt: skip
_TLDS = ("com", "org", "net", "io", "de", "co.uk", "fr", "blog", "dev", "news")


def user_agents() -> list[tuple[str, float]]:
    """Every User-Agent string and its share of the requests (the shares sum to 1)."""
    humans = sum(weight for weight, _ in _HUMANS)
    bots = sum(weight for weight, _ in _BOTS)
    table = []
    for templates, share, total in ((_HUMANS, 1 - BOT_SHARE, humans), (_BOTS, BOT_SHARE, bots)):
        for weight, strings in templates:
            table += [(text, share * weight / total / len(strings)) for text in strings]
    return table


def referrers() -> list[tuple[str, float]]:
    """Every Referer (empty: none sent) and its share of the requests (the shares sum to 1)."""
    big = sum(weight for weight, _ in _BIG_SITES)
    big_share = 1 - NO_REFERRER_SHARE - TAIL_REFERRER_SHARE
    table = [("", NO_REFERRER_SHARE)]
    table += [(site, big_share * weight / big) for weight, site in _BIG_SITES]
    # The tail falls off as sites' audiences do (Zipf); a quarter send a page, not an origin.
    zipf = [1 / rank for rank in range(1, TAIL_SITES + 1)]
    zipf_total = sum(zipf)
    draw = random.Random(SEED)
    for rank, weight in enumerate(zipf):
        prefix = draw.choice(("www.", "blog.", "news.", ""))
        site = f"https://{prefix}site{rank}.{_TLDS[rank % 10]}/"
        if rank % 4 == 3:
            site += f"posts/{draw.randrange(1, 5000)}"
        table.append((site, TAIL_REFERRER_SHARE * weight / zipf_total))
    return table


_LANGUAGES = (
    (40.0, "en-US,en;q=0.9"), (8.0, "en-GB,en;q=0.9"), (8.0, "de-DE,de;q=0.9,en;q=0.8"),
    (6.0, "fr-FR,fr;q=0.9,en;q=0.8"), (6.0, "es-ES,es;q=0.9"), (5.0, "pt-BR,pt;q=0.9"),
    (4.0, "ja-JP,ja;q=0.9"), (3.0, "it-IT,it;q=0.9,en;q=0.8"), (3.0, "nl-NL,nl;q=0.9,en;q=0.8"),
    (3.0, "pl-PL,pl;q=0.9"), (2.0, "tr-TR,tr;q=0.9"), (2.0, "ko-KR,ko;q=0.9"),
    (2.0, "en"), (8.0, ""),
)  # fmt: skip


def languages() -> list[tuple[str, float]]:
    """Every Accept-Language (empty: none sent) and its share of the requests."""
    total = sum(weight for weight, _ in _LANGUAGES)
    return [(value, weight / total) for weight, value in _LANGUAGES]


def _lua_table(lines: Sequence[tuple[str, float]], header: str) -> tuple[str, str]:
    """A Lua array of header lines (`header: value\\r\\n`; an empty value: none) and one of
    their cumulative weights, in millionths."""
    texts = ",".join(json.dumps(f"{header}: {value}\r\n" if value else "") for value, _ in lines)
    cumulative = accumulate(max(1, round(share * 1_000_000)) for _, share in lines)
    return f"{{{texts}}}", f"{{{','.join(str(n) for n in cumulative)}}}"


def wrk_script(ids: list[str], path: Path) -> Path:
    """A wrk Lua script: every request a random link of `ids` with headers drawn from the mix."""
    uas, ua_weights = _lua_table(user_agents(), "User-Agent")
    refs, ref_weights = _lua_table(referrers(), "Referer")
    langs, lang_weights = _lua_table(languages(), "Accept-Language")
    table = ",".join(json.dumps(short_id) for short_id in ids)
    path.write_text(
        f"local ids = {{{table}}}\n"
        f"local uas, ua_weights = {uas}, {ua_weights}\n"
        f"local refs, ref_weights = {refs}, {ref_weights}\n"
        f"local langs, lang_weights = {langs}, {lang_weights}\n"
        f"math.randomseed({SEED})\n"
        "local random = math.random\n"
        # The first entry whose cumulative weight reaches a draw (binary search).
        "local function pick(values, weights)\n"
        "  local draw, low, high = random(weights[#weights]), 1, #weights\n"
        "  while low < high do\n"
        "    local mid = math.floor((low + high) / 2)\n"
        "    if weights[mid] < draw then low = mid + 1 else high = mid end\n"
        "  end\n"
        "  return values[low]\n"
        "end\n"
        "local head\n"
        "function init(args)\n"
        '  head = " HTTP/1.1\\r\\nHost: " .. wrk.headers["Host"] .. "\\r\\n"'
        ' .. "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\\r\\n"'
        ' .. "Accept-Encoding: gzip, deflate, br\\r\\n"\n'
        "end\n"
        "request = function()\n"
        '  return "GET /" .. ids[random(#ids)] .. head .. pick(uas, ua_weights)'
        ' .. pick(refs, ref_weights) .. pick(langs, lang_weights) .. "\\r\\n"\n'
        "end\n"
    )
    return path
