"""Follow-ups (issue 12, case 3): a question that leans on the conversation continues the recent turn it is about —
the one holding the names it brings, or the answer it replies to — and a name the library holds elsewhere is
answered for itself rather than pulled back to the last topic."""

from __future__ import annotations

import pytest

from tests.news import POSTS
from tests.scenarios.runner import play
from tests.scenarios.script import Expect, Forward, Say, Scenario

NOTHING_ID = "tidak menemukan"
UNSURE_ID = "tidak yakin"
NOTHING_EN = "found nothing"
UNSURE_EN = "not sure"
PUTIN_ID = Say("siapa yang mendampingi Putin?", lang="id")
RICE_ID = Say("berapa harga beras medium?", lang="id")
PUTIN_THEN_RICE = (PUTIN_ID, Expect(has=("Belousov",)), RICE_ID, Expect(has=("Cipinang",)))
"""A chat that asked about the Putin story, then about rice."""

DERBY = Forward("jktdaily", 55, "Persib beat Persija 2-0 in Bandung derby\n\nPersib Bandung beat Persija Jakarta 2-0 at "
                "Gelora Bandung Lautan Api on Sunday. David da Silva scored both goals, in the 23rd and 78th minutes, in "
                "front of 38,000 fans.", "2024-09-02 15:00")

CIANJUR = Forward("infobmkg", 4420, "Gempa magnitudo 4,8 guncang Cianjur\n\nGempa bermagnitudo 4,8 mengguncang Cianjur, Jawa "
                  "Barat, pada Rabu dini hari. BMKG mencatat 14 gempa susulan hingga pukul 06.00 WIB. Sebanyak 12 rumah "
                  "rusak ringan di Kecamatan Cugenang.", "2024-06-05 05:10")

SCENARIOS = [
    Scenario(
        "'berapa tarifnya?' after an MRT question asks the MRT's fare: another story's fare (Transjakarta's "
        "Rp 3.500) is never given as the answer",
        given=("putin", "rice", "mrt", "flood"),
        steps=(
            Forward.of(POSTS["busway"]),
            Expect(),
            Say("how far along is the MRT extension to Kota?"),
            Expect(has=("MRT",)),
            Say("berapa tarifnya?", lang="id"),
            Expect(lacks=("[1] Transjakarta", "**Tarifnya Rp 3.500")),
        ),
    ),
    Scenario(
        "'terbaru tentang banjir?' right after an MRT question is about the flood story, not the MRT",
        given=("putin", "rice", "mrt", "flood"),
        steps=(
            Say("when will the MRT reach Kota?"),
            Expect(has=("MRT",)),
            Say("terbaru tentang banjir?", lang="id"),
            Expect(has=("Kampung Melayu",), lacks=("MRT", NOTHING_ID, UNSURE_ID)),
        ),
    ),
    Scenario(
        "'berapa penontonnya?' after an English match report bolds the crowd figure, not the score",
        steps=(
            DERBY,
            Expect(has=("Persib",)),
            Say("who scored for Persib?"),
            Expect(has=("David da Silva",), bold=("David da Silva",)),
            Say("berapa penontonnya?", lang="id"),
            Expect(bold=("38,000 fans",)),
        ),
    ),
    Scenario(
        "Two lowercase keywords typed after a Putin question, 'pengunjung ragunan', are about the zoo, as inline",
        given=("putin", "rice"),
        steps=(
            Forward.of(POSTS["zoo"], lang="id"),
            Forward.of(POSTS["quake"], lang="id"),
            Expect(has=("Tersimpan",)),
            PUTIN_ID,
            Expect(has=("Belousov",)),
            Say("pengunjung ragunan", lang="id"),
            Expect(has=("85.000",), lacks=("Putin", NOTHING_ID, UNSURE_ID)),
            RICE_ID,
            Expect(has=("Cipinang",)),
            Say("gempa garut", lang="id"),
            Expect(has=("5,2",), lacks=("Cipinang", NOTHING_ID, UNSURE_ID)),
        ),
    ),
    Scenario(
        "'gempa susulan' after a question on the Garut quake asks on about Garut first, though a Cianjur quake is stored",
        given=("putin",),
        steps=(
            Forward.of(POSTS["quake"], lang="id"),
            CIANJUR,
            Expect(has=("Tersimpan",)),
            Say("berapa magnitudo gempa di Garut?", lang="id"),
            Expect(has=("5,2",)),
            Say("gempa susulan", lang="id"),
            Expect(has=("[1] Gempa bermagnitudo 5,2",)),
        ),
    ),
    Scenario(
        "'di mana itu?' replying to the flood answer offers no 'More passages' into the other stories",
        given=("putin", "rice", "mrt", "flood"),
        steps=(
            Say("berapa ketinggian air di Kampung Melayu?", lang="id"),
            Expect(has=("1,5 meter",)),
            Say("di mana itu?", lang="id", reply_to_answer="1,5 meter"),
            Expect(has=("Jakarta Timur",), no_buttons=("Bagian lainnya",)),
        ),
    ),
    Scenario(
        "'dendanya brp sih 🤔' after the odd-even fine offers no 'More passages' into the quake story",
        given=("putin",),
        steps=(
            Forward.of(POSTS["odd-even"], lang="id"),
            Forward.of(POSTS["quake"], lang="id"),
            Expect(has=("Tersimpan",)),
            Say("berapa denda ganjil genap?", lang="id"),
            Expect(has=("500.000",)),
            Say("dendanya brp sih 🤔", lang="id"),
            Expect(has=("500.000",), no_buttons=("Bagian lainnya",)),
        ),
    ),
    Scenario(
        "After a Putin question and a rice question, 'dan Lavrov?' goes back to the Putin story's delegation",
        given=("putin", "rice"),
        steps=(
            *PUTIN_THEN_RICE,
            Say("dan Lavrov?", lang="id"),
            Expect(has=("Sergei Lavrov", "Delegasi Rusia"), lacks=("Cipinang", NOTHING_ID, UNSURE_ID)),
        ),
    ),
    Scenario(
        "'dan Lavrov?' right after a rice question is about Lavrov, whom the library knows, not about rice",
        given=("putin", "rice"),
        steps=(
            RICE_ID,
            Expect(has=("Cipinang",)),
            Say("dan Lavrov?", lang="id"),
            Expect(has=("Sergei Lavrov",), lacks=("Cipinang", NOTHING_ID)),
        ),
    ),
    Scenario(
        "'kapan mereka bertemu sebelumnya?' after a rice question in between still means Putin and Kim",
        given=("putin", "rice", "flood"),
        steps=(
            *PUTIN_THEN_RICE,
            Say("kapan mereka bertemu sebelumnya?", lang="id"),
            Expect(has=("Vladivostok",), bold=("Vladivostok",), lacks=("Cipinang", NOTHING_ID)),
        ),
    ),
    Scenario(
        "'jam berapa terjadinya?' after a rice answer and a quake answer is no confident rice answer: a common word "
        "of the older turn ('menjadi') is no reason to pass over the latest",
        given=("putin", "rice", "flood"),
        steps=(
            Forward.of(POSTS["quake"]), Expect(has=("Garut",)),
            Say("kenapa harga beras naik?", lang="id"), Expect(has=("Cipinang",)),
            Say("gempa Garut seberapa dalam?", lang="id"), Expect(has=("Garut",)),
            Say("jam berapa terjadinya?", lang="id"),
            Expect(has=(UNSURE_ID,)),
        ),
    ),
    Scenario(
        "Asked right after the Putin answer, 'kapan mereka bertemu sebelumnya?' finds the earlier meeting",
        given=("putin", "rice", "mrt"),
        steps=(
            PUTIN_ID,
            Expect(has=("Belousov",)),
            Say("kapan mereka bertemu sebelumnya?", lang="id"),
            Expect(has=("September 2023", "Vladivostok"), lacks=("Cipinang", "MRT", NOTHING_ID)),
        ),
    ),
    Scenario(
        "'and what did they sign?' after an English Putin question stays with the Putin story",
        given=("putin", "rice", "mrt"),
        steps=(
            Say("who accompanied Putin?"),
            Expect(has=("Belousov",)),
            Say("and what did they sign?"),
            Expect(has=("Putin",), lacks=("Cipinang", "MRT", NOTHING_EN)),
        ),
    ),
    Scenario(
        "'sumbernya apa?' after a rice question answers plainly with where the rice story came from",
        given=("putin", "rice"),
        steps=(
            *PUTIN_THEN_RICE,
            Say("sumbernya apa?", lang="id"),
            Expect(has=("Kabar Jakarta", "Cipinang"), links=("t.me/kabarjkt/880",),
                   lacks=("Belousov", NOTHING_ID, UNSURE_ID)),
        ),
    ),
    Scenario(
        "'where is this from?' after an answer cites that answer's article with its key sentence",
        given=("putin", "mrt"),
        steps=(
            Say("when will the first MRT trains run to Kota?"),
            Expect(has=("2027",)),
            Say("where is this from?"),
            Expect(has=("Jakarta Wire",), bold=("2027",), links=("jakartawire.example/mrt-kota",),
                   lacks=(NOTHING_EN, UNSURE_EN, "Putin")),
        ),
    ),
    Scenario(
        "'sumbernya apa?' after an unsure answer cites the passage that answer showed first, still as unsure",
        given=("putin", "rice"),
        steps=(
            Say("When was Putin born?"),
            Expect(has=(UNSURE_EN, "Vladivostok")),
            Say("sumbernya apa?", lang="id"),
            Expect(has=("Tribunnews.com", "Vladivostok", UNSURE_ID), lacks=("[2]", "Cipinang", NOTHING_ID)),
        ),
    ),
    Scenario(
        "A reply to an older answer in a private chat continues that answer, not the latest question",
        given=("putin", "rice"),
        steps=(
            *PUTIN_THEN_RICE,
            Say("siapa lagi?", lang="id", reply_to_answer="Belousov"),
            Expect(has=("Putin",), lacks=("Cipinang", NOTHING_ID)),
        ),
    ),
    Scenario(
        "In a group, a reply to the bot's Putin answer is about Putin though someone else asked about rice since",
        given=("putin", "rice"),
        steps=(
            Say("siapa yang mendampingi Putin?", chat="group", user="ani", lang="id"),
            Expect(chat="group", has=("Belousov",)),
            Say("berapa harga beras medium?", chat="group", user="budi", lang="id"),
            Expect(chat="group", has=("Cipinang",)),
            Say("siapa lagi?", chat="group", user="ani", lang="id", mention=False, reply_to_answer="Belousov"),
            Expect(chat="group", has=("Putin",), lacks=("Cipinang", NOTHING_ID)),
            Say("sumbernya apa?", chat="group", user="budi", lang="id", mention=False, reply_to_answer="Cipinang"),
            Expect(chat="group", has=("Cipinang",), links=("t.me/kabarjkt/880",), lacks=("Belousov",)),
        ),
    ),
    Scenario(
        "In a group, two people follow up on their own English answers by replying to them",
        given=("putin", "rice", "mrt"),
        steps=(
            Say("who accompanied Putin?", chat="group", user="budi"),
            Expect(chat="group", has=("Belousov",)),
            Say("how far has the MRT extension to Kota progressed?", chat="group", user="citra"),
            Expect(chat="group", has=("80 percent",)),
            Say("and when did they meet before?", chat="group", user="budi", mention=False,
                reply_to_answer="Belousov"),
            Expect(chat="group", has=("Vladivostok",), lacks=("MRT", NOTHING_EN)),
            Say("when will the first trains run?", chat="group", user="citra", mention=False,
                reply_to_answer="80 percent"),
            Expect(chat="group", has=("2027",), lacks=("Putin", NOTHING_EN)),
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.story)
def test_followups(scenario, scenario_bot):
    play(scenario, scenario_bot)
