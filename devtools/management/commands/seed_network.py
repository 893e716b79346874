"""Seed a synthetic network of partnerships, profiles, portraits and mutual consents."""

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from devtools.network import NetworkSpec, network_seed


class Command(BaseCommand):
    help = "Create a realistic synthetic network (for demos and benchmarks)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--partnerships", type=int, default=20)
        parser.add_argument("--profiles-per", type=int, default=200)
        parser.add_argument("--density", type=float, default=0.1, help="chance two are mutual")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="net", help="slug prefix of the partnerships")
        parser.add_argument(
            "--planted", type=int, default=0, help="people recorded in 2-3 sharing partnerships"
        )
        parser.add_argument(
            "--distinct-portraits",
            action="store_true",
            help="a portrait (with its perceptual hash) per profile instead of a few shared ones",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        spec = NetworkSpec(
            partnerships=options["partnerships"],
            profiles_per=options["profiles_per"],
            density=options["density"],
            seed=options["seed"],
            prefix=options["prefix"],
            planted=options["planted"],
            distinct_portraits=options["distinct_portraits"],
        )
        with tqdm(
            total=spec.progress_steps, unit="step", file=self.stdout, dynamic_ncols=True
        ) as bar:

            def progress(stage: str, n: int) -> None:
                bar.set_description(stage)
                bar.update(n if stage in {"partnerships", "profiles"} else 1)

            network = network_seed(spec, progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(network.partnerships)} partnerships "
                f"({network.partnerships[0].slug} ...). Their people have no password: "
                "use the Django admin to set one."
                + (f" Planted {len(network.planted)} people." if network.planted else "")
            )
        )
