"""Scope check: keep to breakups and no contact; decline legal, medical, surveillance, harm, injection."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .patterns import PatternSet
from .text import normalise_chat

_POSS = r"(his|her|their|my ex'?s?|the ex'?s?|my (ex-?)?(boyfriend|girlfriend|husband|wife|partner)'?s?|ex'?s)"

OUT_OF_SCOPE: dict[str, list[str]] = {
    "injection": [
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|all|your|the|these|those|system)\b.{0,30}\b(instructions?|rules|prompts?|directions|guidelines|guardrails|restrictions|programming)\b",
        r"\bsystem (prompt|message)\b", r"\byour (hidden |secret |internal |original )(rules|instructions|prompt|guidelines)\b", r"\byour (instructions|prompt|guidelines)\b",
        r"\b(forget|ignore|disregard|set aside)\b.{0,15}\b(the|your|those) (articles|sources|context|passages|documents|knowledge)\b",
        r"\bas if you (were|are)\b", r"(<!--|-->)", r"\b(assistant|system)\s*:", r"\b(reveal|show|print|repeat|output|display|leak|dump|give me|tell me|what (is|are)|what'?s)\b.{0,20}\b(your|the)\b.{0,20}\b(prompt|instructions|hidden rules|initial (message|rules)|configuration)\b",
        r"\byou are (now|no longer)\b", r"\b(act|acting|respond|answer|reply|talk|speak|write) (as|like) (an? |my |the )?(?!if\b|(he|she|they|it|nothing|everything|i|we)(\b|'))\w+", r"\bpretend (to be|you'?re|you are|your|that you)\b",
        r"\brole-?play\b", r"\bdeveloper mode\b", r"\bjailbreak", r"\bDAN\b", r"\bfrom now on\b.{0,40}\b(you|answer|respond|reply|talk|act|only)\b",
        r"\bnew (instructions?|rules?|persona)\b", r"<\|?(system|im_start|im_end|assistant)\|?>", r"^\s*(###|\[)\s*(system|instruction|admin)",
        r"\b(unrestricted|uncensored|without (any )?(restrictions|filters|rules))\b", r"\bno longer (a|bound)\b",
        r"\b(admin|developer|sudo|root) (override|access|mode|command)\b", r"\bbase64\b", r"\bdecode (this|the following)\b",
        r"\b[A-Za-z0-9+/]{24,}={0,2}(?![\w/])", r"\b(just )?(say|write|tell me|confirm) (that )?the (articles|coaches|coach) (say|said|agree)\b",
        r"\bpretend (that )?the (articles|coaches)\b", r"\bconfirm (that|this|it) in your (answer|reply)\b",
        r"\b(rules|instructions|prompt) you were given\b", r"\bi'?m the (blog )?(owner|admin|developer)\b", r"\brepeat this back\b", r"\b(you'?re|you are|your) not a\b.{0,25}\bcoach\b", r"\b(have|with) no (rules|restrictions|filters)\b", r"\brepeat (after me|the words above|everything above)\b",
    ],
    "surveillance": [
        rf"\btrack(ing)? {_POSS}? ?(phone|location|car|whereabouts|movements)\b", r"\btrack (him|her|them|my ex)\b",
        rf"\b(read|see|check|access|get into|hack|log into|break into|look at|go through|recover|unlock|clone|monitor|intercept)\b.{{0,15}}\b{_POSS} (private |deleted )?(messages|texts|dms|emails?|phone|password|icloud|chats|call log|browser history)\b",
        # Looking at a public profile is the articles' "stop checking their social media", not surveillance.
        rf"\b(access|get into|hack|log into|break into|recover|unlock|clone|monitor|intercept)\b.{{0,15}}\b{_POSS} (private |deleted )?(account|accounts|instagram|snapchat|whatsapp|facebook|email)\b",
        r"\b(spy on|spying|spyware|stalkerware|keylogger|mspy|flexispy)\b",
        r"\b(put|place|hide|attach|use|buy|get|install|slip)\w* (an? )?(\w+ )?(gps tracker|tracking app|airtag|tile tracker|tracker)\b",
        r"\b(airtag|tracker|gps)\b.{0,30}\b(on|in|under|into) (his|her|their|my ex'?s?) \w+",
        r"\b(how (do|can|could) i|can you|help me|is there a way to)\b.{0,20}\b(see|find out|know|check) who (my ex|he|she|they) (is |'s |are )?(texting|messaging|talking to|seeing|dating)\b",
        r"\b(full name|home address|(his|her|their) address|where (he|she|they) (lives?|live now))\b",
        r"\b(view|see|look at|get into)\b.{0,10}\b(a|his|her|their|an) private (instagram|account|profile|story|stories)\b",
        r"\b(find|figure) out (where|who) (he|she|they) (lives?|is living|moved|works?|is (dating|seeing|sleeping with|texting))\b",
        r"\b(find|get) (his|her|their|my ex'?s?) (new )?(address|location|number|password)\b",
        r"\bfake (account|profile|number)\b.{0,40}\b(watch|follow|see|check|spy|talk|message|text)\b",
        r"\bhack(ing|ed)?\b", r"\bapp (that|to|which) (shows?|see|sees|track|tracks|read|reads|monitor)\b",
        rf"\b{_POSS} (icloud|google|apple id|email|instagram|snapchat|facebook|whatsapp) (password|login|account)\b",
        r"\bfind out where (his|her|their|my ex'?s?) (new )?\w+ (works|lives)\b", r"\b(keep )?reading (his|her|their) (chats|messages|texts|dms|emails)\b",
        r"\bsee where (he|she|they|my ex) (is|are|goes|takes|went)\b",
        r"\bcheck (if|whether) (he|she|they)'?s? on (hinge|tinder|bumble|dating apps?)\b", r"\bwithout making my own profile\b", r"\bsee who (he|she|they)'?s? (texting|messaging|talking to)\b",
        r"\b(see|share|track|find|check|get)\w* (someone'?s|somebody'?s|his|her|their|my ex'?s?) (live |current )?location\b",
        r"\b(find my (iphone|friends|device)|life360|location sharing|share(d)? (our |their )?location)\b",
        r"\bwithout (following|being seen|being noticed|being blocked)\b", r"\b(watch|see|view)\w* (the )?stories of someone\b",
        r"\bprivate (insta|instagram|account|profile|story|stories)\b.{0,40}\b(view|see|look|get into)\b",
        r"\b(find|figure) out where (my ex|he|she|they) (lives?|moved|works?|is living|is staying)\b",
        r"\bfind out who (owns|runs|is behind|made)\b",
    ],
    "harm": [
        r"\b(plan|plot|planning|plotting) (my |a |some |the )?revenge\b", r"\b(post|thread|video|tiktok) exposing\b",
        r"\b(write|send|draft|compose)\b.{0,25}\bthreatening\b", r"\b(how (do|can|should) i|help me) threaten\b", r"\bthreaten (him|her|them|my ex)\b",
        r"\b(fake|bad|negative|one-star|1-star) reviews?\b", rf"\bmake {_POSS}? ?life (miserable|hell|a living hell)\b", r"\bmake (his|her|their|my ex'?s?) life\b",
        r"\b(get|take|getting|taking) (my )?revenge\b", r"\brevenge (on|against)\b", r"\bget (back )?at (him|her|them|my ex)\b",
        r"\bget back at\b", rf"\b(post|leak|share|send|spread|expose)\b.{{0,20}}\b{_POSS} (nudes|photos|pics|pictures|secrets|texts|messages|address)\b",
        rf"\bruin\w* {_POSS} (life|reputation|career|relationship|job|wedding)\b", r"\bget (him|her|them|the new \w+|his new \w+|her new \w+) fired\b",
        r"\b(slash|key|scratch|egg|vandali[sz]e)\w* (his|her|their) (tires|car|house)\b", r"\b(expose|humiliate|embarrass) (him|her|them) (publicly|online|at work|in front)\b",
        r"\bmake (him|her|them) (pay|suffer|regret)\b", r"\bsabotage\b", r"\b(report|call) (him|her|them) to (immigration|ice|the police falsely)\b",
        r"\bdox\w*\b", r"\b(tell|told|email|message|report\w*|anonymously tell) (his|her|their) (boss|employer|manager|work)\b",
        r"\b(get|got|getting) (him|her|them) (sacked|fired|arrested|kicked out)\b", r"\b(her|his|their) nudes\b",
        r"\b(send|post|leak|share|show)\w* (them|the pics|the photos)\b.{0,20}\b(new (man|guy|girl|girlfriend|boyfriend|partner)|everyone|family|boss)\b", r"\bhe'?d get sacked\b",
        r"\b(slash|key|scratch)\w* (his|her|their) (tires|tyres|car)\b", r"\bwithout getting caught\b", r"\b(1|one)[- ]?star\b", r"\b(post|share|leak|send|spread)\b.{0,40}\beveryone (sees|knows|can see|will see)\b",
        r"\b(scare|intimidate|frighten)\w* (him|her|them|my ex)\b", r"\bhumiliating way\b", r"\bhumiliate (him|her|them)\b",
        r"\bexpose (him|her|them|the (girl|guy|woman|man|new))\b", r"\bwithout (it )?being traced\b|\bcan'?t be traced\b|\btraced back to me\b",
        r"\b(mess up|ruin|sabotage|break up|wreck)\b.{0,20}\b(his|her|their) (new )?(relationship|marriage|engagement|wedding)\b", r"\bwrite (a|an)?\s*(nasty|mean|hate|angry|hurtful) (letter|message|email|text|review)\b",
    ],
    "legal": [
        r"\b(full|sole|joint|primary|emergency|temporary|get|win|fight for|file for|apply for|lose|losing|go for|want) custody\b", r"\blegal steps\b", r"\bcustody (battle|case|hearing|agreement|arrangement|order|schedule|split|rights|dispute|papers|lawyer|evaluation|mediation)\b", r"\bchild support\b", r"\balimony\b", r"\bspousal (support|maintenance)\b", r"\bprenup\b",
        r"\b(divorce|separation) (settlement|papers|lawyer|attorney|agreement|proceedings|court|law)\b", r"\b(sue|suing|lawsuit|small claims|court order)\b",
        r"\b(legally|legal rights|my rights|is it legal|illegal|against the law|under the law)\b", r"\bvisitation (rights|schedule)\b",
        r"\brestraining order\b", r"\bprotective order\b", r"\bwho (keeps|gets) the (house|flat|apartment|car|dog|cat|furniture)\b",
        r"\b(split|divide) (the|our) (assets|property|savings|debt|mortgage)\b", r"\b(lawyer|attorney|solicitor)\b",
        r"\b(break|get out of) the lease\b", r"\bevict\w*\b", r"\b(pension|assets|savings|401k)\b.{0,30}\b(half|split|get|entitled|divorce)\b",
        r"\btake me to court\b", r"\bcourt over\b", r"\bwho(se|'s)? (does )?it belong to\b", r"\bis (that|this) legal\b", r"\blandlord\b.{0,30}\b(make me|pay|rent)\b",
    ],
    "medical": [
        r"\b(max|maximum) (dose|amount|i can (take|have))\b",
        r"\b(dose|dosage|doses|mg|milligrams?|prescription|prescribe\w*)\b",
        r"\b(medication|meds|antidepressants?|ssris?|sertraline|zoloft|prozac|fluoxetine|xanax|lexapro|escitalopram|melatonin|sleeping pills?|benzos?|ambien|valium|lorazepam|diazepam|beta blockers?|propranolol|adderall|lithium|supplements?|vitamins?)\b",
        r"\b(mix|mixing|combine|combining)\b.{0,30}\b(alcohol|drinks?|wine|pills|meds)\b", r"\b(antibiotics?|chlamydia|std|sti|stis|stds|pregnan\w*|birth control|contracepti\w*)\b", r"\b(can you|please) diagnose\b", r"\bside effects\b",
        r"\bhow (much|many) (should|can) i take\b",
        r"\b(do i have|i think i have|diagnose me|tell me if i have|do you think i have)\b.{0,15}\b(bpd|adhd|ptsd|bipolar|npd|ocd|depression|an? \w+ disorder|\w+ disorder)\b",
    ],
    "unrelated": [
        r"\brecipes?\b", r"\b(cook|bake|make)\b.{0,20}\b(lasagna|pasta|cake|cookies|bread|dinner|curry|pizza|soup)\b",
        r"\b(write|fix|debug|explain)\b.{0,30}\b(code|python|javascript|function|script|program|sql|regex|html|css|java)\b",
        r"\b(python|javascript|typescript|sql|regex|html|css|kubernetes|docker)\b",
        r"\b(who (should i|to) vote|election|president|prime minister|politic\w*|democrat|republican|tory|labour party)\b",
        r"\b(weather|forecast)\b", r"\bcapital of\b", r"\btranslate\b", r"\b(homework|math|algebra|calculus|equation)\b", r"\b(write|finish|proofread|edit|mark|grade)\b.{0,20}\bessay\b|\bessay (on|about|due)\b",
        r"\b(stock|stocks|crypto|bitcoin|invest\w*)\b", r"\b(football|soccer|nba|nfl|premier league|world cup)\b.{0,40}\b(score|won|win|result|game)\b",
        r"\b(flights?|hotel|itinerary|visa)\b.{0,40}\b(book|cheap|best|to)\b", r"\b(write|compose|make)( me)? (a |an )?(poem|song|rap|haiku|story|limerick)\b",
        r"\b(best|recommend\w*) (laptop|phone|headphones|tv|camera)\b", r"\bwhere (should|do|can) i stay\b",
        r"\b(stain|stains)\b", r"\bget (\w+ ){0,3}out of (a|my|the) (\w+ )?(sofa|couch|carpet|shirt|dress|jeans|rug)\b", r"\b(horoscope|astrology|tarot|zodiac)\b",
        r"\b(champions league|formula 1|f1|super bowl|grand prix|championship|world series)\b",
        r"\b(places|cities|countries|things) to (visit|see|do) in\b", r"\b(cover letter|resume|cv|job application)\b",
        r"\b(shows|series|movies|films|anime) to (watch|binge)\b", r"\bgood (shows|series|movies|films)\b",
    ],
}

# Questions about one's own feelings or the articles' advice stay in scope even with a risky word in them.
LEGAL_CONTACT_QUESTION = re.compile(
    r"\b(do i have to|should i|how do i|how (can|should) i|can i|is it ok to)\b.{0,30}\b(talk|speak|communicate|text|message|see|be civil|reply|respond|handle|keep (it|contact))\b", re.I)
LEGAL_ASK = re.compile(r"\b(get|win|file|apply for|entitled|how much|rights|court|judge|sue|lawyer|attorney|legally|settlement)\b", re.I)

IN_SCOPE_OVERRIDES = [
    r"\burge to (check|look|stalk|text|call|message|see)\b", r"\bhow (do|can) i stop\b",
    r"\bmy (lawyer|attorney|solicitor|therapist|counsell?or|doctor|gp) (said|says|told|suggested|recommends?)\b",
    r"\b(count|counts) as no contact\b",
    r"\b(stop|quit|resist|avoid) (\w+ )?(checking|stalking|looking at|watching|viewing)\b",
    r"\b(should i|do i|is it ok to|is it okay to) block\b",
    r"\bmy (therapist|counsell?or|doctor) (said|says|suggested|told)\b",
]

DOMAIN_WORDS = re.compile(
    r"\b(ex|exes|ex's|breakup|break ?up|broke up|broken up|dumped|dumper|dumpee|no contact|nc|relationship|boyfriend|girlfriend|"
    r"husband|wife|partner|bf|gf|dating|date|love|miss|missing|heart|heal|healing|move on|moving on|feelings|reach out|"
    r"texted|text|block|blocked|unblock|closure|rebound|cheat|cheated|single|lonely|alone|hurt|jealous|crush|together|"
    r"feel|feeling|felt|emotional\w*|sad|cry\w*|heartbreak|songs?|music|memories|day \d+|days|weeks|easier|"
    r"him|her|she|he|they|his|man|woman|guy|girl|someone new|birthday|letters|hoodies?|moved|fresh start|over it|"
    r"scared|afraid|angry|rage|tired|exhausted|numb|empty|drink\w*|drunk|sleep\w*|goodbye|onwards|cope|coping)\b", re.I)

_OUT = {kind: PatternSet(ps) for kind, ps in OUT_OF_SCOPE.items()}
_IN = PatternSet(IN_SCOPE_OVERRIDES)


@dataclass
class ScopeResult:
    scope: str  # in | out
    kind: str  # in | unrelated | legal | medical | surveillance | harm | injection
    matched: str | None = None


def check(question: str) -> ScopeResult:
    """Injection first (it must never change the role), then harm, surveillance, legal, medical, unrelated."""
    text = normalise_chat(question)
    for kind in ("injection", "harm", "surveillance", "legal", "medical", "unrelated"):
        m = _OUT[kind].first(text)
        if not m:
            continue
        if kind in ("surveillance", "harm", "legal", "medical") and _IN.search_any(text):
            continue
        # "we share custody, do I have to talk to her at handovers?" is a no-contact question.
        if kind == "legal" and LEGAL_CONTACT_QUESTION.search(text) and not LEGAL_ASK.search(text):
            continue
        return ScopeResult("out", kind, m.group(0))
    return ScopeResult("in", "in")


def far_from_articles(question: str, top_similarity: float, min_similarity: float = 0.25) -> ScopeResult | None:
    """After retrieval: a question far from every article, with no breakup words in it, is unrelated even
    when no pattern names its topic."""
    if top_similarity < min_similarity and not DOMAIN_WORDS.search(normalise_chat(question)):
        return ScopeResult("out", "unrelated", f"far from every article ({top_similarity:.2f})")
    return None
