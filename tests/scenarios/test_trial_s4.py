from tests.news import POSTS
from tests.scenarios.script import *
from tests.scenarios.runner import play

S = Scenario("trial s4", steps=(
    *(Forward.of(POSTS[k]) for k in ("odd-even", "zoo", "busway", "quake", "heat", "election", "airport")),
    Expect(),
    Say("berapa pengunjung Ragunan?", lang="id"), Expect(),
    Say("how strong was the earthquake?"), Expect(),
    Say("kapan terjadinya?", lang="id"), Expect(),
    Say("When was the zoo founded?"), Expect(),
    Say("siapa presiden Prancis?", lang="id"), Expect(),
    Press("lainnya"), Expect(),
    Say("/reset"), Expect(),
    Press("Konteks"), Expect(),
    Restart(),
    Say("what happened at the airport?"), Expect(),
    Say("sumbernya apa?", lang="id"), Expect(),
    Expect(has=("ZZZ-END",)),
))

def test_trial(scenario_bot):
    play(S, scenario_bot)
