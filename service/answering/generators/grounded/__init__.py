"""The grounded composer: answers from the articles' own sentences, no model server needed."""
