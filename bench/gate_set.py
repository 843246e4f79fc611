"""Build the publish gate's labelled set: tests/fixtures/gate-labelled.jsonl.

Each line is one answer sentence with its source (`source` is a key of
tests/fixtures/gate-sources.json: title, text, publishedAt), the section it
would sit in, `label` good/bad, the `rule` a bad sentence breaks, `origin`
(where the sentence comes from) and `split` (dev: thresholds were tuned on
it; test: held out).

Origins:
- `seed`: the seed article's own sentences against its news-API source (good);
- `source`: the source's own sentences, as an extractive editor would keep them (good);
- `editor`: paraphrases and inferential impact bullets written by hand (good);
- `smollm2`: real SmolLM2-135M answers (tests/fixtures/smollm2-v1-answers.json,
  examples/cache.jsonl, and the anchor runs of issue 14), labelled by hand;
- `invented`: bad sentences in the style of large and small models' failures,
  made by the templates below from each source (names, quotations, dates,
  glued and mixed-script text, shouting, exclamations, fragments, off-story claims);
- `capable`: a capable model's sentences (issue 19), written by hand after its
  recorded answers: the good ones the gate once refused (names the item
  supports, possessive names, on-story inferences, an item in Spanish or
  German written in English), and its slips: meta-talk, and impact bullets
  that state a fact, the future as certain, or a record the item lacks.

Each source has the item's `lang` and `outlet` (`item.source.name`).

    python bench/gate_set.py            # rewrites both fixture files
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
OUT = FIXTURES / "gate-labelled.jsonl"
SOURCES = FIXTURES / "gate-sources.json"
RSS = FIXTURES / "coindesk-rss-2023-03-13.xml"

#: Items a capable model's answers were about that the RSS fixture lacks:
#: a gas-fee item, and items in Spanish and German (written in English).
CAPABLE_SOURCES: dict[str, dict] = {
    "capable-gas": {
        "title": "Ethereum Gas Fees Drop to Lowest Level Since 2022",
        "text": "Ethereum Gas Fees Drop to Lowest Level Since 2022\n\nThe average transaction fee on Ethereum fell "
                "to 12 gwei on Sunday, data from Etherscan shows.",
        "publishedAt": "2023-03-12T10:00:00.000Z", "lang": "en", "outlet": "CoinDesk",
    },
    "capable-es": {
        "title": "Telefónica invierte 2 millones de euros en cadena de bloques",
        "text": "Telefónica invierte 2 millones de euros en cadena de bloques\n\nLa operadora anunció el lunes una "
                "inversión de 2 millones de euros en un proyecto español de cadena de bloques. El fondo del "
                "proyecto alcanzará 1,5 mil millones de euros en 2025. Ni el Banco Central Europeo ni el Banco de "
                "España comentaron la inversión.",
        "publishedAt": "2023-03-13T09:00:00.000Z", "lang": "es", "outlet": "Expansión",
    },
    "capable-de": {
        "title": "Bundesbank warnt vor Kryptowährungen",
        "text": "Bundesbank warnt vor Kryptowährungen\n\nDie Zentralbank schätzt die Verluste deutscher Anleger "
                "mit Kryptowährungen auf 2,5 Milliarden Euro.",
        "publishedAt": "2023-03-13T09:00:00.000Z", "lang": "de", "outlet": "Handelsblatt",
    },
}  # fmt: skip

#: (source, section, sentence, label, rule): see `capable` in the module docstring.
CAPABLE: list[tuple[str, str, str, str, str]] = [
    # names the item supports, which the gate once called invented
    ("rss-5", "what_happened", "So-called smart money wallets are staying put while USDC remains off its peg, data from Nansen shows.", "good", ""),
    ("rss-8", "overview", "An HSBC subsidiary will acquire the British unit of Silicon Valley Bank for 1 pound.", "good", ""),
    ("rss-3", "what_happened", "Ministers across Europe are due to discuss a digital euro later on Monday.", "good", ""),
    ("rss-3", "impact", "A European-built digital currency could change how merchants accept payments.", "good", ""),
    ("rss-18", "what_happened", "The premium usually reflects buying pressure from investors in the United States.", "good", ""),
    ("rss-45", "what_happened", "Republican senators told the Federal Reserve's Jerome Powell that a crackdown on digital asset companies recalls the targeting of gun sales.", "good", ""),
    ("rss-47", "what_happened", "First Mover is CoinDesk's daily newsletter on the crypto markets.", "good", ""),
    ("rss-12", "overview", "TrueUSD's issuer says a small number of its users were affected by the closure of Signature Bank.", "good", ""),
    # the outlet: a known name; content the item attributes to it; a report the item speaks of
    ("rss-11", "what_happened", "Belgian digital minister Mathieu Michel told CoinDesk that a public blockchain could safeguard values like privacy.", "good", ""),
    ("rss-43", "overview", "CoinDesk published a Q&A with Bitcoin maintainer Andrew Chow, who reviews and improves Bitcoin's code for a living.", "good", ""),
    ("rss-6", "what_happened", "The report was made public on Monday.", "good", ""),
    # inferences on the story
    ("rss-13", "impact", "Bitcoin's strong rise above $22,500 points to renewed buying interest.", "good", ""),
    ("capable-gas", "impact", "Cheaper fees may encourage more activity on the network.", "good", ""),
    ("rss-44", "impact", "The slide raises the prospect of forced selling by ether holders with leveraged positions.", "good", ""),
    # an item in another language
    ("capable-es", "what_happened", "Telefónica will invest 2 million euros in a Spanish blockchain project.", "good", ""),
    ("capable-es", "overview", "The operator announced the investment on Monday.", "good", ""),
    ("capable-es", "what_happened", "The project's fund is expected to reach 1.5 billion euros in 2025.", "good", ""),
    ("capable-es", "impact", "The investment may draw more blockchain projects to Spain.", "good", ""),
    ("capable-es", "what_happened", "Neither the European Central Bank nor the Bank of Spain commented on the investment.", "good", ""),
    ("capable-de", "overview", "Germany's central bank puts the crypto losses of German investors at 2.5 billion euros.", "good", ""),
    ("capable-de", "impact", "The warning could make investors more careful with cryptocurrencies.", "good", ""),
    ("capable-es", "what_happened", "Telefónica will invest 3 million euros in the project.", "bad", "figure"),
    ("capable-es", "impact", "Deutsche Telekom may join the project later.", "bad", "name"),
    # meta-talk
    ("rss-25", "what_happened", "The report was published on 11 March 2023.", "bad", "meta"),
    ("rss-0", "overview", "CoinDesk reported the news on 13 March 2023.", "bad", "meta"),
    ("rss-1", "what_happened", "The news item does not say how much money was taken in each transaction.", "bad", "meta"),
    ("rss-2", "what_happened", "The report does not say how long the pause will last.", "bad", "meta"),
    ("rss-7", "overview", "This article looks at what the conversion means for the market.", "bad", "meta"),
    ("rss-9", "what_happened", "Uniswap and Curve handled the volume, according to the report.", "bad", "meta"),
    ("rss-10", "what_happened", "The size of each liquidation was not specified.", "bad", "meta"),
    ("rss-14", "what_happened", "No further details were given about when USDC would recover.", "bad", "meta"),
    ("rss-16", "what_happened", "The story was first reported by CoinDesk on Sunday.", "bad", "meta"),
    ("rss-12", "overview", "According to CoinDesk, TrueUSD says only a few users were affected.", "bad", "meta"),
    ("rss-19", "what_happened", "The news item does not specify what help the government is planning.", "bad", "meta"),
    # impact bullets that do not read as inference
    ("rss-1", "impact", "The exploit shows that DeFi protocols remain unsafe.", "bad", "unhedged"),
    ("rss-20", "impact", "Circle's pledge restores confidence in USDC.", "bad", "unhedged"),
    ("rss-26", "impact", "Users face delays when they move between stablecoins and dollars.", "bad", "unhedged"),
    ("rss-21", "impact", "Bitcoin will keep rising as traders brush off USDC fears.", "bad", "certain"),
    ("rss-22", "impact", "USDC will return to its peg within days.", "bad", "certain"),
    ("capable-gas", "impact", "Gas fees will stay near these lows.", "bad", "certain"),
    ("rss-30", "impact", "Circle is set to restore the peg this week.", "bad", "certain"),
    ("rss-28", "impact", "The redemptions may be the biggest ever for a stablecoin.", "bad", "history"),
    ("rss-42", "impact", "The stock could suffer its worst week on record.", "bad", "history"),
    ("capable-gas", "impact", "Fees could stay at an all-time low for some time.", "bad", "history"),
    ("rss-29", "impact", "The uncertainty may weigh on USDC for the first time since its launch.", "bad", "history"),
]  # fmt: skip

#: The seed article's bullets that state a consequence as fact: written before
#: the contract that Impact reads as inference (issue 19), they no longer pass.
SEED_UNHEDGED = {
    "Increased scrutiny on cryptocurrency operations linked to North Korean activities.",
    "Heightened awareness among investors regarding the risks associated with cryptocurrencies tied to illicit activities.",
}

#: Hand-written sentences a careful editor would publish, per RSS item
#: (paraphrases for the overview/what happened, inferential impact bullets).
EDITOR: dict[int, list[tuple[str, str]]] = {
    0: [("overview", "Bitcoin and U.S. stock futures gave back their early gains as shares of First Republic Bank fell 50% before the market opened."),
        ("what_happened", "Emergency measures from U.S. authorities did not calm investors worried about problems in the banking sector."),
        ("impact", "Traders may stay cautious while the banking sector remains under pressure.")],
    1: [("overview", "The Euler DeFi protocol was exploited for nearly $185M in four transactions."),
        ("what_happened", "The losses were spread across dai, wrapped bitcoin, staked ether and USDC."),
        ("impact", "The exploit is likely to renew questions about security in decentralized finance.")],
    2: [("overview", "OKCoin, which is affiliated with OKX, paused its USD on-ramp after the collapse of Signature Bank."),
        ("what_happened", "OkCoin CEO Hong Fang said customer deposits are safe and that USD withdrawals are not affected."),
        ("impact", "Users may find it harder to move dollars onto crypto platforms for a while.")],
    3: [("overview", "EU merchants could be required to accept a digital euro, ministers were told before a meeting on the CBDC."),
        ("what_happened", "Governments of the euro bloc are due to discuss strategic objectives for the digital euro later on Monday."),
        ("impact", "Merchants and payment firms may need to prepare for a new form of central bank money.")],
    4: [("overview", "Crypto observers called the Silicon Valley Bank crisis a 'Cyprus moment' for Bitcoin."),
        ("what_happened", "They said the Fed's aggressive rate hikes and balance sheet reduction caused a historic bank failure."),
        ("impact", "The failure may push more holders toward self-custody of their bitcoin.")],
    5: [("overview", "Smart money wallets are staying put while USDC remains off its peg, according to data from Nansen."),
        ("what_happened", "The total amount held by smart money wallets and the number of active addresses are at multi-month lows."),
        ("impact", "Low activity suggests that large holders are waiting for clarity before they move funds.")],
    6: [("overview", "The International Monetary Fund had warned the G-20 that widespread use of crypto could lead banks to lose deposits."),
        ("what_happened", "A report made public on Monday shows that the IMF warned the G-20 nations about the spread of crypto assets."),
        ("impact", "Policymakers may cite the warning as they weigh new rules for crypto assets."),
        ("impact", "Banks could face calls to plan for deposits moving into crypto.")],
    7: [("overview", "Binance will convert $1B worth of its BUSD stablecoin into Bitcoin, Ether, BNB and other tokens."),
        ("what_happened", "The exchange used funds from its Industry Recovery Initiative to cover the move."),
        ("impact", "The conversion may add buying pressure for the tokens involved.")],
    8: [("overview", "An HSBC subsidiary will acquire the U.K. unit of Silicon Valley Bank for 1 pound."),
        ("what_happened", "The bank said the deal is meant to strengthen its regional presence."),
        ("impact", "The rescue may ease fears among startups that banked with the unit.")],
    9: [("overview", "USDC trading led a record day for the DeFi exchanges Uniswap and Curve."),
        ("what_happened", "Decentralized exchanges worked as intended while traders rushed to swap USDC for wrapped ether and other tokens."),
        ("impact", "The record volume may strengthen the case that decentralized exchanges hold up under stress.")],
    10: [("overview", "Bitcoin and ether recovered their weekend losses as bears saw $183M in short liquidations."),
         ("what_happened", "Markets jumped after relief from the U.S. government and from USD Coin issuer Circle."),
         ("impact", "Short sellers may be more careful after the wave of liquidations.")],
    11: [("overview", "European politicians are considering building their own blockchain after the landmark crypto law."),
         ("what_happened", "Belgian digital minister Mathieu Michel told CoinDesk that 'Europeum' could safeguard values like privacy."),
         ("impact", "A public blockchain backed by governments could shape how Europe approaches the technology.")],
    12: [("overview", "TrueUSD says a small number of its users were affected by the closure of Signature Bank."),
         ("what_happened", "The stablecoin issuer said USD funds held at Signature Bank are now fully backstopped by the Fed."),
         ("impact", "Holders of the stablecoin may take comfort from the backstop.")],
    13: [("overview", "The failure of Silicon Valley Bank highlights how vulnerable small banks are, while Bitcoin soared past $22.5K."),
         ("what_happened", "Since September 2021, growth in cash assets on the balance sheets of small banks has turned negative."),
         ("impact", "Depositors may move money from small banks to larger ones.")],
    14: [("overview", "Circle is scrambling to restore USDC after the failure of Signature Bank."),
         ("what_happened", "Federal regulators promised on Sunday that depositors of Silicon Valley Bank would be made whole."),
         ("impact", "Confidence in USDC may depend on how quickly Circle can access its reserves.")],
    15: [("overview", "Federal regulators say depositors of Silicon Valley Bank will have access to all of their funds on Monday."),
         ("what_happened", "In a joint statement, federal banking and finance regulators said depositors will be made whole."),
         ("impact", "The guarantee may calm fears of a wider run on regional banks.")],
    16: [("overview", "State regulators shut down Signature Bank, a bank with a number of crypto clients."),
         ("what_happened", "The Federal Reserve announced that the New York-based bank was shut down on Sunday."),
         ("impact", "Crypto firms may find it harder to keep banking partners in the U.S.")],
    17: [("overview", "Ripple had some exposure to the failed Silicon Valley Bank, its CEO said."),
         ("what_happened", "Ripple, best known for its connection to XRP, kept some capital at the bank."),
         ("impact", "Crypto companies may review where they hold their cash.")],
    18: [("overview", "Volatility in USDC lifted Bitcoin's Coinbase premium to a three-year high."),
         ("what_happened", "The premium is usually read as stronger buying pressure from investors in the U.S., but not this time."),
         ("impact", "Analysts may treat the premium with caution while stablecoins are unstable.")],
    19: [("overview", "Yellen ruled out a bailout of SVB but said the government is working to help depositors."),
         ("what_happened", "Yellen sought to ease concerns that the collapse of the bank could lead to a domino effect."),
         ("impact", "Markets may watch for further steps to protect depositors.")],
    20: [("overview", "Circle will cover any shortfall in USDC reserves, which sparked a rally in the stablecoin."),
         ("what_happened", "The company plans to use corporate resources, including external capital, to fill the gap."),
         ("impact", "The pledge may help USDC recover its peg.")],
    21: [("overview", "Bitcoin regained $20K after $200M in crypto liquidations, and some traders brushed off fears about USDC."),
         ("what_happened", "Some traders are signaling strength for USD Coin, citing its backing in U.S. treasury bonds."),
         ("impact", "Traders may keep watching the stablecoin's peg for signs of stress.")],
    22: [("overview", "Traders are betting on a rebound in USD Coin after USDC fell to 90 cents."),
         ("what_happened", "Some $4 million in USDC futures were liquidated in the past 24 hours, Coinglass data shows."),
         ("impact", "A rebound would ease pressure on stablecoin markets.")],
    23: [("overview", "DAI fell to lifetime lows as a rout in stablecoins hit crypto markets."),
         ("what_happened", "MakerDAO's decentralized stablecoin hit an all-time low of 0.88 cents."),
         ("impact", "The depeg may raise doubts about stablecoins backed by other stablecoins.")],
    24: [("overview", "U.S. lawmakers met with the Fed and the FDIC to discuss the collapse of Silicon Valley Bank."),
         ("what_happened", "Rep. Maxine Waters convened meetings with federal bank regulators after the collapse of the bank."),
         ("impact", "Lawmakers may push for closer oversight of regional banks.")],
    25: [("overview", "USDC lost its peg and the crypto market went haywire after Silicon Valley Bank collapsed."),
         ("what_happened", "The normally stable price of USDC sank to $0.89 from $1 while Ethereum gas fees soared."),
         ("impact", "The episode may make investors question how safe stablecoin reserves are.")],
    26: [("overview", "Coinbase paused conversions between USDC and U.S. dollars as the banking crisis roiled crypto."),
         ("what_happened", "Circle's USDC was hit by the shutdown of Silicon Valley Bank, one of its key banking partners."),
         ("impact", "Users may see delays when they move between stablecoins and dollars.")],
    27: [("overview", "Circle confirmed that $3.3B of the cash reserves of USDC are stuck at the failed Silicon Valley Bank."),
         ("what_happened", "Regulators shut down Silicon Valley Bank, one of the reserve banking partners of Circle, on Friday."),
         ("impact", "Holders of USDC may redeem their tokens until the reserves are freed.")],
    28: [("overview", "USDC saw $1B of net redemptions since the shutdown of Silicon Valley Bank."),
         ("what_happened", "Circle held an undisclosed amount of the cash reserves of USDC at the failed bank."),
         ("impact", "Continued redemptions could shrink the supply of the stablecoin.")],
    29: [("overview", "Circle says it awaits clarity from the FDIC on the collapse of Silicon Valley Bank."),
         ("what_happened", "In its first statement after the collapse, Circle declined to say how much cash it has tied up at the bank."),
         ("impact", "Uncertainty about the reserves may weigh on the price of USDC.")],
    30: [("overview", "USDC lost its $1 peg, while Circle says its operations are normal."),
         ("what_happened", "USDC dropped to $0.973, its lowest level since the collapse of FTX."),
         ("impact", "The drop may lead traders to spread their holdings across several stablecoins.")],
    32: [("overview", "The crypto venture firm Pantera used Silicon Valley Bank as a custodian, a regulatory filing shows."),
         ("what_happened", "The filing lists the shuttered bank as one of three custodians for Pantera's funds."),
         ("impact", "Investors in crypto funds may ask where their money is held.")],
    33: [("overview", "Curve's $500M stablecoin pool was hammered as traders fled USDC."),
         ("what_happened", "The 3pool is supposed to hold equal parts of USDC, DAI and USDT, but it has become imbalanced."),
         ("impact", "Liquidity providers in the pool may face losses if the imbalance persists.")],
    36: [("overview", "Crypto wallets withdrew $902M of USDC from centralized exchanges in the past 24 hours amid the shutdowns of SVB and Silvergate."),
         ("impact", "The outflows suggest how quickly users may move funds when they lose confidence.")],
    40: [("overview", "The troubled DeFi stablecoin exchange mStable expects 4 buyout bids."),
         ("what_happened", "mStable has been searching for a buyer since its founder said he would leave at the end of March."),
         ("impact", "A sale could decide the future of the protocol and its users.")],
    41: [("overview", "State regulators shuttered Silicon Valley Bank, the second bank to shut down within days."),
         ("what_happened", "The California Department of Financial Protection and Innovation closed the bank on Friday."),
         ("impact", "Crypto venture firms that banked with it may face delays in reaching their cash.")],
    42: [("overview", "Signature Bank stock fell 12% in volatile trading as the sell-off continued."),
         ("what_happened", "SBNY shares sank as low as $64.60 on Friday, a drop of around 28% from an opening price of just over $90."),
         ("impact", "The fall may add to concerns about banks that serve crypto clients.")],
    44: [("overview", "On-chain liquidations loom as ether slumps to a two-month low."),
         ("what_happened", "Several on-chain positions are at risk of being liquidated after ether fell to $1,373."),
         ("impact", "Forced selling could deepen the decline in the price of ether.")],
    45: [("overview", "Republican senators urged that banks should not punish the crypto industry."),
         ("what_happened", "Fed Governor Jerome Powell was told that a crackdown on digital asset companies recalls the targeting of gun sales."),
         ("impact", "Pressure from lawmakers may shape how regulators treat banks that work with crypto firms.")],
    48: [("overview", "Cathie Wood's Ark Invest bought $22M in Coinbase shares."),
         ("what_happened", "ARK now owns 9.9 million COIN shares, worth $575 million, or around 3.8% of the market cap of Coinbase."),
         ("impact", "The purchase signals that some investors still back crypto companies during the turmoil.")],
}  # fmt: skip

#: Inferential impact bullets that suit almost any story of the RSS set.
GENERIC_BULLETS = [
    "Investors may reassess their exposure to the assets involved.",
    "The news could weigh on market sentiment in the short term.",
    "Regulators may take a closer look at the firms involved.",
    "Traders are likely to watch for further statements before taking new positions.",
    "Volatility may stay high while the situation develops.",
    "The episode may prompt firms to review how they manage risk.",
    "Market participants may seek more clarity on the next steps.",
    "Confidence in the sector could take time to recover.",
]

#: Off-story claims of the kind a small model writes (and a large one, more plausibly).
OFF_STORY = [
    "A gang of greedy billionaires is using money to steal from the world.",
    "This is a great example of how we can make money off the market.",
    "It's about creating jobs and helping people in need.",
    "The story has been covered extensively by multiple media outlets.",
    "Adequate liquidity has been restored after the recent release of a new product.",
    "The weather in the region is expected to remain sunny for the rest of the week.",
    "Football fans celebrated the victory of their team late into the night.",
    "Scientists discovered a new species of frog in the rainforest.",
    "Sterling has been adopted as the currency of the whole continent.",
    "The pandemic changed how people shop for groceries and clothes.",
    "Celebrities have been posting photos of their holidays on social media.",
    "Oil producers agreed to cut output to support prices.",
    "Many people have been trying to do this for years now.",
    "Electric car makers reported record sales in Asia last quarter.",
]

#: Invented names and titles in the style of large models.
NAMES = [
    ("prefix", "SEC Chair Gary Gensler said "),
    ("prefix", "According to Goldman Sachs analysts, "),
    ("prefix", "BlackRock CEO Larry Fink said "),
    ("prefix", "Speaking in Davos, Treasury Secretary Janet Yellen said "),
    ("suffix", " JPMorgan analysts noted the move on Tuesday."),
    ("suffix", " Binance CEO Changpeng Zhao welcomed the news."),
    ("suffix", " The Mexican central bank (MEX) is watching closely."),
    ("suffix", " Coinbase and Kraken declined to comment."),
    ("suffix", " The Bank for International Settlements had warned of this."),
    ("prefix", "In an interview with Bloomberg, "),
]
QUOTES = [
    'Officials called it "a decisive moment for the whole market".',
    'The company said the move was "a turning point for investor protection".',
    'Observers described the episode as “the end of an era for stablecoins”.',
    'One trader said it was "the worst week since 2008".',
    'The statement promised "full transparency and accountability".',
]
SHOUT = ["This is HUGE news for the market.", "The GANG of speculators is back.", "Investors face a MASSIVE risk now.",
         "The outlook is VERY uncertain."]  # fmt: skip
UNKNOWN = ["cryptcuriosity", "finanshial", "banktastic", "stablezation", "regulatoring"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


def split(key: str) -> str:
    """A stable half of the set: `dev` (tuned on) or `test` (held out)."""
    return "dev" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def source_sentences(text: str) -> list[str]:
    """The source's own sentences, without its headline and photo credits."""
    from rewriter.review import sentences

    paragraphs = text.split("\n\n")[1:]
    out = []
    for p in paragraphs:
        if "(" in p and p.rstrip().endswith(")") and len(p) < 160:  # a photo caption and its credit
            continue
        out += [s for s in sentences(p) if len(s.split()) >= 6 and not s.endswith("....")]
    return out


def glue(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    start = rng.randrange(0, max(1, len(words) - 4))
    n = rng.choice([3, 4])
    if rng.random() < 0.5:
        joined = "".join(w[:1].upper() + w[1:] for w in words[start : start + n])
    else:
        joined = "".join(words[start : start + n]).lower()
    return " ".join(words[:start] + [joined] + words[start + n :])


def mixed_script(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    i = rng.randrange(len(words))
    if rng.random() < 0.5:
        words[i] = words[i] + rng.choice(["的", "和", "是"])
    else:
        words[i] = words[i].replace("a", "а", 1).replace("o", "о", 1) if re.search("[ao]", words[i]) else words[i] + "ы"
    return " ".join(words)


def fragment(title: str) -> str:
    parts = re.split(r"\s+(?:as|to|for|after|in|of|by|with|from|amid|and)\s+|[,:;]\s*", title)
    parts = [p for p in parts if p][:3]
    if len(parts) < 2:
        parts = [title, "Market Reaction"]
    return " - ".join(p.title() for p in parts)


def invented(n: int, item: dict, rng: random.Random) -> list[tuple[str, str, str]]:
    """Bad sentences for one item: (section, sentence, rule)."""
    text, published = item["text"], item["publishedAt"]
    year, month, day = int(published[:4]), int(published[5:7]), int(published[8:10])
    base = source_sentences(text) or [text.split("\n\n")[0] + "."]
    pick = lambda: rng.choice(base)
    out = []
    kind, words = NAMES[n % len(NAMES)]
    s = pick()
    out.append(("what_happened", words + s[:1].lower() + s[1:] if kind == "prefix" else s + words, "name"))
    out.append(("what_happened", QUOTES[n % len(QUOTES)], "quote"))
    out.append(("impact", glue(pick(), rng), "glued"))
    out.append(("overview", mixed_script(pick(), rng), "script"))
    out.append(("impact", OFF_STORY[n % len(OFF_STORY)], "off-story"))
    other = MONTHS[(month + 5) % 12]
    dates = [
        f"The COVID-{day} pandemic left banks weaker than before.",
        f"Members of the EU-{day} group discussed the matter.",
        f"The policy has been in place since {year}.",
        f"PwNED {other.upper()} {day + 1 if day < 28 else 2}, {year}",
        f"The decision was taken on {day + 1 if day < 28 else 1} {MONTHS[month - 1]}.",
    ]
    date = dates[n % len(dates)]
    if str(year) in text and "since" in date:  # the source has the year: no longer an invented figure
        date = dates[0]
    out.append(("overview", date, "figure"))
    out.append(("impact", SHOUT[n % len(SHOUT)], "shouting"))
    out.append(("impact", pick().rstrip(".") + "!", "exclamation"))
    out.append(("what_happened", fragment(text.split("\n\n")[0]), "fragment"))
    w = pick().split()
    w.insert(rng.randrange(1, len(w)), UNKNOWN[n % len(UNKNOWN)])
    out.append(("what_happened", " ".join(w), "unknown"))
    return out


def real_smollm2() -> list[tuple[str, str, str, str, str]]:
    """Real SmolLM2 sentences, labelled by hand: (source, section, sentence, label, rule)."""
    path = FIXTURES / "gate-smollm2.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows.append((r["source"], r["section"], r["sentence"], r["label"], r.get("rule", "")))
    return rows


def main() -> None:
    from rewriter.items import FeedItem
    from rewriter.readers import read_items

    items = [r for r in read_items(RSS) if isinstance(r, FeedItem)]
    news = next(r for r in read_items(FIXTURES / "coindesk-news-api-item.json") if isinstance(r, FeedItem))
    sources: dict[str, dict] = {}
    def entry(item: FeedItem) -> dict:
        return {"title": item.title, "text": item.text.joined(), "publishedAt": item.publishedAt, "lang": item.lang,
                "outlet": item.source.name}  # fmt: skip

    for n, item in enumerate(items):
        sources[f"rss-{n}"] = entry(item)
    sources["seed"] = entry(news)
    for path in sorted((ROOT / "examples" / "drafts").glob("*.md")):
        sources[f"draft-{path.stem}"] = entry(next(r for r in read_items(path) if isinstance(r, FeedItem)))
    sources.update(CAPABLE_SOURCES)

    rows: list[dict] = []

    def add(source: str, section: str, sentence: str, label: str, rule: str, origin: str) -> None:
        key = f"{source}|{sentence}"
        if any(r["sentence"] == sentence and r["source"] == source for r in rows):
            return
        rows.append({"source": source, "section": section, "sentence": sentence, "label": label, "rule": rule,
                     "origin": origin, "split": split(key)})  # fmt: skip

    from rewriter.review import sentences

    seed_body = (FIXTURES / "seed-article.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    section = "overview"
    for line in seed_body.splitlines():
        if line.startswith("## "):
            section = {"## Overview": "overview", "## What Happened": "what_happened"}.get(line.strip(), "impact")
            continue
        for s in sentences(line.lstrip("- ").strip()):
            bad = section == "impact" and s in SEED_UNHEDGED
            add("seed", section, s, "bad" if bad else "good", "unhedged" if bad else "", "seed")
    rng = random.Random(14)
    for n, item in enumerate(items):
        key = f"rss-{n}"
        for s in source_sentences(item.text.joined())[:3]:
            add(key, "what_happened", s, "good", "", "source")
        for section, s in EDITOR.get(n, []):
            add(key, section, s, "good", "", "editor")
        for s in rng.sample(GENERIC_BULLETS, 2):
            add(key, "impact", s, "good", "", "editor")
        for section, s, rule in invented(n, sources[key], rng):
            add(key, section, s, "bad", rule, "invented")
    for source, section, s, label, rule in real_smollm2():
        add(source, section, s, label, rule, "smollm2")
    for source, section, s, label, rule in CAPABLE:
        add(source, section, s, label, rule, "capable")
    SOURCES.write_text(json.dumps(sources, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    good = sum(r["label"] == "good" for r in rows)
    print(f"{len(rows)} sentences ({good} good, {len(rows) - good} bad) -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
