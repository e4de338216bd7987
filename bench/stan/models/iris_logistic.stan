// Multinomial logistic regression on iris with raw features (examples/iris_nuts.ts):
// w ~ Normal(0, 1)[D, K], b ~ Normal(0, 1)[K], y ~ Categorical(logits = x w + b).
data {
  int<lower=1> N;
  int<lower=1> D;
  int<lower=2> K;
  matrix[N, D] x;
  int<lower=1, upper=K> y[N];
}
parameters {
  matrix[D, K] w;
  vector[K] b;
}
model {
  matrix[N, K] logits = x * w + rep_matrix(b', N);
  to_vector(w) ~ normal(0, 1);
  b ~ normal(0, 1);
  for (n in 1:N) y[n] ~ categorical_logit(logits[n]');
}
