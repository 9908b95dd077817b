from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "shopflow.bench"
    label = "bench"
    verbose_name = "Benchmarks"
