// A 100-dimensional standard normal (the benchmark's isotropic target).
parameters {
  vector[100] x;
}
model {
  x ~ std_normal();
}
