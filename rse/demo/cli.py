import click


@click.command("demo")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--users", type=int, default=None, help="Build a scale world with this many users.")
@click.option("--communities", type=int, default=None)
@click.option("--posts", type=int, default=None)
def demo_command(seed, users, communities, posts):
    """Load the demo world, or a scale world when sizes are given."""
    click.echo("demo world: not yet written")
