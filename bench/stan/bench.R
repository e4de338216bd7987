# Times Stan (rstan, NUTS with its default windowed adaptation) on the benchmark models: 1 chain and 4 chains
# (run one after another on one core, cores = 1, as ours run on one thread), each warmup + draws. Per run: wall
# time of sampling() (compile excluded; compile times come from bench/stan/build/compile_seconds.csv),
# gradient evaluations (sum of n_leapfrog__ over warmup and draws), min bulk ESS over the parameters.
# Usage: Rscript bench/stan/bench.R [--quick] > results.json (run from the repository root).
source(file.path("bench", "stan", "common.R"))

args <- commandArgs(trailingOnly = TRUE)
quick <- "--quick" %in% args
warmup <- if (quick) 200L else 1000L
draws <- if (quick) 200L else 1000L
seed <- 1234L

rows <- character(0)
for (name in model_names) {
  model <- compile_model(name)
  for (chains in c(1L, 4L)) {
    t0 <- Sys.time()
    fit <- sampling(model, data = stan_data(name), chains = chains, iter = warmup + draws, warmup = warmup,
      seed = seed, cores = 1, refresh = 0)
    seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
    sampler <- get_sampler_params(fit, inc_warmup = TRUE)
    grads <- sum(vapply(sampler, function(s) sum(s[, "n_leapfrog__"]), numeric(1)))
    grads_draws <- sum(vapply(get_sampler_params(fit, inc_warmup = FALSE), function(s) sum(s[, "n_leapfrog__"]), numeric(1)))
    divergences <- sum(vapply(get_sampler_params(fit, inc_warmup = FALSE), function(s) sum(s[, "divergent__"]), numeric(1)))
    arr <- as.array(fit)
    # The parameters block only (no lp__, no transformed parameters such as eight schools' theta).
    params <- names(get_inits(fit)[[1]])
    keep <- sub("\\[.*", "", dimnames(arr)[[3]]) %in% params
    ess <- vapply(which(keep), function(j) rstan::ess_bulk(matrix(arr[, , j], ncol = chains)), numeric(1))
    elapsed <- sum(get_elapsed_time(fit))
    message(sprintf("stan %s, %d chain(s): %.2f s, %d gradients, min bulk ESS %.0f", name, chains, seconds, as.integer(grads), min(ess)))
    rows <- c(rows, sprintf('{"model": "%s", "chains": %d, "warmup": %d, "draws": %d, "seconds": %.4f, "stanElapsed": %.4f, "gradients": %d, "gradientsDraws": %d, "minEssBulk": %.2f, "divergences": %d}',
      name, chains, warmup, draws, seconds, elapsed, as.integer(grads), as.integer(grads_draws), min(ess), as.integer(divergences)))
  }
}
compile_file <- file.path(build_dir, "compile_seconds.csv")
compile <- if (file.exists(compile_file)) read.csv(compile_file) else data.frame(model = character(), seconds = numeric())
compile_json <- paste(sprintf('"%s": %.1f', compile$model, compile$seconds), collapse = ", ")
cat(sprintf('{"rstan": "%s", "compileSeconds": {%s}, "runs": [\n%s\n]}\n', as.character(packageVersion("rstan")), compile_json, paste(rows, collapse = ",\n")))
