"""The service's character n-grams equal scikit-learn's TfidfVectorizer, which trains them."""
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from service.guardrails.char_ngrams import CharNgrams, char_wb_ngrams

TEXTS = [
    "Ya no quiero despertar, tengo las pastillas guardadas",
    "je   n'en peux plus\tdu tout", "Ich habe Angst, er steht jeden Abend vor meiner Tür",
    "ok", "my ex texted me 'I miss you' — should I reply?", "Çok yoruldum, artık bitsin istiyorum",
    "żyć mi się nie chce", "", "a b", "Ελπίζω να μην ξυπνήσω αύριο",
]


def test_the_ngrams_are_scikit_learns():
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True,
                               strip_accents="unicode").build_analyzer()
    for text in TEXTS:
        assert char_wb_ngrams(text, 3, 5) == analyzer(text)


def test_the_rows_are_scikit_learns_tfidf_scaled():
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=1, sublinear_tf=True,
                                 lowercase=True, strip_accents="unicode").fit(TEXTS)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    ngrams = CharNgrams.from_json(CharNgrams(vocabulary, vectorizer.idf_, (3, 5), 2.0).to_json())
    queries = [*TEXTS, "ya no quiero despertar nunca más, nunca"]
    expected = vectorizer.transform(queries).toarray() * 2.0
    assert np.allclose(ngrams.transform(queries), expected, atol=1e-4)
    assert ngrams.transform(["zzzz qqqq"]).sum() == 0  # nothing in the vocabulary: an empty row, no division by 0


def test_the_risk_model_reads_the_ngrams_sparsely_as_the_dense_fit_does():
    from service.guardrails.risk_net import RiskModel

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True,
                                 strip_accents="unicode").fit(TEXTS)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    ngrams = CharNgrams(vocabulary, vectorizer.idf_, (3, 5), 2.0)
    rng = np.random.default_rng(7)
    dense_dim, width = 5, 5 + ngrams.dim
    coef, kinds = rng.normal(size=(3, width)).astype(np.float32), rng.normal(size=(2, width)).astype(np.float32)
    thresholds = {"urgent_en": 0.5, "support_en": 0.5, "urgent_other": 0.5, "support_other": 0.5}
    args = (coef, np.zeros(3, np.float32), thresholds, kinds, np.zeros(2, np.float32), ("suicide", "abuse"), "")
    with_ngrams, dense = RiskModel(*args, ngrams=ngrams), RiskModel(*args)
    vectors = rng.normal(size=(len(TEXTS), dense_dim)).astype(np.float32)
    english = [True] * len(TEXTS)
    sparse_read = with_ngrams.verdicts(vectors, english, TEXTS)
    dense_read = dense.verdicts(np.hstack([vectors, ngrams.transform(TEXTS)]), english)
    assert [(v.level, v.category) for v in sparse_read] == [(v.level, v.category) for v in dense_read]
    assert np.allclose([v.p_urgent for v in sparse_read], [v.p_urgent for v in dense_read], atol=1e-5)
