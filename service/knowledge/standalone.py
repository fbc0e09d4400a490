"""Whether a sentence of an article makes sense quoted on its own, marked once at ingest.

  alone     it does ("Block the ex on every account you're active on.")
  previous  it leans on the sentence before it ("If it is, …", "That significantly…"): quoted only
            together with that sentence
  never     it only makes sense inside its page (pictures and tables, "below", "today we're going to explore",
            a lead-in ending in a colon, a greeting, "Anyway, …" back from a digression): never quoted
"""
from __future__ import annotations

import re

ALONE, PREVIOUS, NEVER = "alone", "previous", "never"
RULES_VERSION = "9"  # part of every passage id (chunking.py): a change to the rules below re-marks on `coach ingest`

# Openers that point back to what came before: a connective, a pronoun standing for something said earlier,
# an answer to a question asked just before ("Yes,", "Absolutely.").
_LEANS = re.compile(
    r"^(?:[(“\"‘']\s*)?(?:(?:because|this|that|that[’']s|these|those|its|they|they[’']re|them|such|either|both|neither|so|"
    r"but|and|or|also|then|which|thus|hence|therefore|otherwise|plus|yet|likewise|similarly|again|here|"
    r"moreover|furthermore|as a result|in other words|simply put|put simply|that said|on the other hand|"
    r"on top of that|in that case|in this case|if so|if not|if it is|if they do|if that[’']s|"
    r"without (?:this|these|that|it|them)|because of (?:this|that)|for (?:this|that) reason|for example|"
    r"for instance|the same|another|the other|the (?:second|third|last|next) (?:one|thing|step)|"
    r"needless to say|he or she|at first|even so|after that|before that|until then|by then|at that point|"
    r"at the same time|"
    # "Making it all the more important to…": the participle carries on the sentence before it
    r"making it (?:all |even |so much )?(?:the )?(?:more|less|harder|easier)|"
    # "It's a self-respect rule" names something said before; "It's normal to struggle" stands alone
    r"it(?:[’']s| is| was) (?:a|an|the|also|just|because|why|what|how|not|this|that)|it means|it does|"
    # "It will make sure…", "It might regain your faith": "it" standing for something named before
    r"it (?:will|would|might|may|can|could|should|helps?|makes?|gives?|lets?|allows?|won[’']t|tells|shows|sends|"
    # "It requires a certain amount of commitment…": what requires it was named before
    r"requires|needs|takes|involves|demands|depends|feels|works)|"
    # "Keep it short and simple", "Do it properly": the thing was named before
    r"(?:keep|do|make|try|say|send|take) (?:it|this|that|them)|"
    # "You can do this by…": the thing to do was said before
    r"(?:you|we|i) (?:can|could|should|will|may|might|must|need to|have to) (?:do|achieve|accomplish|try) "
    r"(?:this|that|it|so))\b|"
    # ...and words that lean only as a sentence adverb ("No, …", "Instead, …"; "No contact is…" stands alone)
    r"(?:yes|no|absolutely|exactly|of course|sadly|well|alright|basically|crazy|soon|now|still|besides|"
    r"however|instead|meanwhile|finally|lastly|secondly|thirdly|it is|it[’']s true|in practice|in theory)\s*[,.…])",
    re.I)
# Words early in a sentence that point back ("Apologizing to an ex like that…", "The reason they leave…", "You
# probably fall somewhere in between"): searched in its first words only.
_POINTS_BACK = re.compile(
    r"\b(?:like (?:that|this)|in between|that kind of|this kind of|the reason (?:they|he|she|it)|"
    r"(?:such|these|those) (?:people|exes|dumpers|dumpees|ones|things|steps|rules|tips|mistakes|signs|reasons)|"
    r"the latter|the former|as such|do (?:that|this)|the (?:first|second) rejection)\b", re.I)
EARLY_WORDS = 9
# Anywhere in a sentence: a pointer to a list or cases the article gave before ("Don't be alarmed if you haven't
# seen any of these signs yet", "In all three cases, you're still depending on the ex", "You won't get rid of it").
# Not "these situations": under a heading that names them ("When you live with your ex…: in these situations…") the
# heading is shown as its condition (under_heading).
_REFERS_TO_LIST = re.compile(
    r"\b(?:(?:these|those) (?:signs|steps|tips|rules|mistakes|reasons|cases|examples|scenarios|things)|"
    r"this (?:technique|method|approach|strategy|process)|"
    r"more to it than (?:that|this)|"
    r"(?:in|of) (?:all|both|each of) (?:(?:two|three|four|five|these|those) )?(?:cases|situations|scenarios|examples)|"
    r"all (?:three|four|five) of (?:them|these|those)|rid of (?:it|them|this|that))\b", re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[”\"’]?\s+")
_PAGE_ONLY = re.compile(
    r"\b(?:below|above|picture|image|photo|infographic|table below|video|click|subscribe|newsletter|"
    r"in this (?:article|post|guide)|this (?:article|post) (?:is|will)|today,? we[’']re going|"
    r"we[’']re going to (?:explore|talk|look)|let[’']s (?:talk|address|answer|look|dive|start|explore)|"
    r"read on|keep reading|read an article or two|(?:in|share .{0,40} in) the comments|"
    r"ask (?:them|questions?) (?:in|below)|"
    r"the following|as (?:mentioned|discussed|i said) (?:above|earlier|before))\b", re.I)
_NOT_A_PICTURE = re.compile(r"\b(?:to the table|bring to the table|setting the table|negative image|self-image)\b",
                            re.I)
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|thanks|thank you|kind regards|best|good luck|take care)\b[ ,!.]",
                       re.I)
# "Anyway, …" closes a digression and goes back to the article's thread: even after the sentence before it, it reads
# as a non sequitur (a blind reviewer marked "Anyway, before you decide…" out of context).
_BACK_TO_THREAD = re.compile(r"^(?:anyway|anyhow|at any rate|moving on|back to (?:the|our) (?:point|topic))\b", re.I)
# "There are many things you can do when…": announces the list that follows it in the article and says nothing alone.
_LIST_LEAD_IN = re.compile(r"^there (?:are|is) (?:many|several|a few|some|a number of|lots of|\d+|two|three|four|five) "
                           r"(?:things|ways|steps|reasons|signs|tips|options|ideas)\b[^.!?]*[.:]?$", re.I)
_NUMBERED = re.compile(r"^\(?\d+[.)]?\s*$|^\(\w+ .*\)$")  # "1", "(Continues below)"
# "2 – Your ex is reaching out far more often…": one item of a numbered list (signs, steps) means something only
# under the list's heading; stitched into an answer it reads as a fragment ("2 – … 3 – …", answers_blind7).
_LIST_ITEM = re.compile(r"^\d+\s*[–—-]\s+")
# "Having to change routines that we shared for years.", "Feeling abandoned and unwanted.": a short -ing phrase with
# no verb of its own is an item of the list before it ("Dating tends to create comparisons…" has one).
_ING_START = re.compile(r"^[A-Z][a-z]+ing\b")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|am|be|been|will|would|can|could|should|must|may|might|do|does|did|has|have|had|\w+n[’']t|"
    r"tends|helps|makes|means|gives|keeps|takes|leads|causes|hurts|feels|seems|becomes|requires|allows|shows|"
    r"enables|creates|works|matters|gets|puts|lets|costs|saved|made|helped|changed|became)\b", re.I)
_CLAUSE = re.compile(r"\b(?:that|which|who|when|because|if|while)\b", re.I)  # a verb after these is not its own
FRAGMENT_WORDS = 12


def standing(sentence: str) -> str:
    """ALONE, PREVIOUS or NEVER for one sentence (see the module docstring)."""
    s = sentence.strip()
    if not s or _NUMBERED.match(s) or _LIST_ITEM.match(s) or _GREETING.match(s) or s.rstrip(" ”\"").endswith(":"):
        return NEVER
    if _BACK_TO_THREAD.match(s) or _LIST_LEAD_IN.match(s) or (_PAGE_ONLY.search(s) and not _NOT_A_PICTURE.search(s)):
        return NEVER
    first = _SENTENCE_BREAK.split(s, maxsplit=1)[0]  # a quoted pair is judged by its first sentence
    if _LEANS.match(s) or _POINTS_BACK.search(" ".join(first.split()[:EARLY_WORDS])) or _REFERS_TO_LIST.search(first):
        return PREVIOUS
    if _ING_START.match(s) and len(s.split()) <= FRAGMENT_WORDS:
        head = _CLAUSE.split(s, maxsplit=1)[0].split()[1:]  # its own words after the -ing word
        if not _FINITE.search(" ".join(head)):
            return PREVIOUS
    return ALONE


def standings(sentences: list[str]) -> list[str]:
    """Each sentence's standing; a sentence leaning on one that is never quoted is never quoted either."""
    out: list[str] = []
    for i, s in enumerate(sentences):
        mark = standing(s)
        if mark == PREVIOUS and (i == 0 or out[i - 1] == NEVER):
            mark = NEVER
        out.append(mark)
    return out
