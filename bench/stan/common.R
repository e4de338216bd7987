# Shared by scripts/fixtures/gen_stan_reference.R and bench/stan/bench.R: the Stan models' data and compiled
# models. Run from the repository root (the wrappers cd there). Compiled models are cached as
# bench/stan/build/<model>.rds; compile_model() records each compile's wall time in bench/stan/build/compile_seconds.csv.
suppressPackageStartupMessages(library(rstan))

stan_dir <- file.path("bench", "stan")
build_dir <- file.path(stan_dir, "build")
dir.create(build_dir, showWarnings = FALSE, recursive = TRUE)

model_names <- c("eight_schools_nc", "iris_logistic", "gaussian100")

# Data of each model, exactly as the TypeScript side builds it.
stan_data <- function(name) {
  if (name == "eight_schools_nc") {
    return(list(J = 8L, y = c(28, 8, -3, 7, -1, 1, 18, 12), sigma = c(15, 10, 16, 11, 9, 11, 10, 18)))
  }
  if (name == "iris_logistic") {
    iris_csv <- read.csv(file.path("examples", "data", "iris.csv"))
    x <- as.matrix(iris_csv[, 1:4])
    # Classes numbered in order of first appearance, as examples/iris_nuts.ts does (1-based here).
    y <- match(iris_csv$species, unique(iris_csv$species))
    return(list(N = nrow(x), D = ncol(x), K = 3L, x = x, y = as.integer(y)))
  }
  if (name == "gaussian100") return(list())
  stop(paste("unknown model", name))
}

# The compiled model, from the cache when the .stan file has not changed since.
compile_model <- function(name) {
  stan_file <- file.path(stan_dir, "models", paste0(name, ".stan"))
  rds <- file.path(build_dir, paste0(name, ".rds"))
  if (file.exists(rds) && file.mtime(rds) >= file.mtime(stan_file)) return(readRDS(rds))
  t0 <- Sys.time()
  model <- stan_model(stan_file, model_name = name)
  seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  saveRDS(model, rds)
  times_file <- file.path(build_dir, "compile_seconds.csv")
  times <- if (file.exists(times_file)) read.csv(times_file) else data.frame(model = character(), seconds = numeric())
  times <- rbind(times[times$model != name, , drop = FALSE], data.frame(model = name, seconds = seconds))
  write.csv(times, times_file, row.names = FALSE)
  model
}
