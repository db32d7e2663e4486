"""Texts shared by every screen: the dynamics, states, flag kinds and the focus guidance of DESIGN.md."""

TEXTS = {
    # The four dynamics, as a coach reads them.
    "dynamic.context": {"nl": "Context", "en": "Context"},
    "dynamic.relational": {"nl": "Relationele patronen", "en": "Relational patterns"},
    "dynamic.physiological": {"nl": "Lichaam / energie", "en": "Body / energy"},
    "dynamic.identity": {"nl": "Identiteit", "en": "Identity"},
    "dynamic.context.what": {
        "nl": "De omgeving is het probleem: onvoorspelbare besluiten, sociale onveiligheid, impliciete macht, "
              "morele druk. Het lichaam blijft thuis alert; rust helpt nauwelijks.",
        "en": "The environment is the problem: unpredictable decisions, social unsafety, implicit power, "
              "moral pressure. The body stays alert at home; rest barely helps.",
    },
    "dynamic.relational.what": {
        "nl": "Oude patronen worden opnieuw geactiveerd: het werk is op papier veilig maar voelt niet zo; "
              "feedback landt als afwijzing; grenzen voelen riskant; rust roept schuld op.",
        "en": "Old patterns are re-activated: work is safe on paper but does not feel safe; feedback lands "
              "as rejection; boundaries feel risky; rest brings guilt.",
    },
    "dynamic.physiological.what": {
        "nl": "Het lichaam is simpelweg leeg: slaap, concentratie, emotionele toegang en herstel zijn "
              "uitgeput; reflectie beklijft niet.",
        "en": "The body is simply empty: sleep, concentration, emotional access and recovery are worn "
              "down; reflection does not stick.",
    },
    "dynamic.identity.what": {
        "nl": "Functioneren is identiteit geworden: waarde hangt aan presteren; stilvallen is existentieel "
              "bedreigend; de leegte is geen vermoeidheid.",
        "en": "Functioning has become identity: worth is tied to performance; standing still is "
              "existentially threatening; the emptiness is not tiredness.",
    },
    "focus.context": {
        "nl": "Interveniëren in de context; onderscheid maken tussen nu en toen, en tussen wat bij de persoon "
              "en wat bij de omgeving hoort. Praten over zelfzorg werkt averechts zolang de context onveilig is.",
        "en": "Intervene in the context; separate now from then, and what belongs to the person from what "
              "belongs to the environment. Self-care talk backfires while the context is unsafe.",
    },
    "focus.relational": {
        "nl": "Eerst interne veiligheid, dan verwerking: het verschil tussen toen en nu herstellen voordat "
              "betekenis of verledenwerk aan bod komt.",
        "en": "Internal safety before processing: restore the difference between then and now before "
              "meaning or past work.",
    },
    "focus.physiological": {
        "nl": "Regulatie vóór inzicht: eerst ritme, slaap en energie; gesprekken kort en praktisch houden.",
        "en": "Regulation before insight: rhythm, sleep and energy first; keep talk short and practical.",
    },
    "focus.identity": {
        "nl": "Betekeniswerk voorbij functioneren: wie ben ik, los van wat ik doe? Contextverandering "
              "alleen is niet genoeg.",
        "en": "Meaning work beyond functioning: who am I apart from what I do? Context change alone is "
              "not enough.",
    },
    "focus.none": {"nl": "Geen focus gekozen", "en": "No focus chosen"},
    "focus.label.context": {"nl": "Context", "en": "Context"},
    "focus.label.relational": {"nl": "Relationele patronen", "en": "Relational patterns"},
    "focus.label.physiological": {"nl": "Lichaam / energie", "en": "Body / energy"},
    "focus.label.identity": {"nl": "Identiteit", "en": "Identity"},
    "focus.label.none": {"nl": "Geen focus", "en": "No focus"},
    # States.
    "state.mixed": {"nl": "Gemengd", "en": "Mixed"},
    "state.none": {"nl": "Niets verhoogd", "en": "None elevated"},
    "state.unknown": {"nl": "Nog geen beeld", "en": "Not enough data yet"},
    "state.forming": {"nl": "Nog geen dominante dynamiek", "en": "No dominant dynamic yet"},
    # Flag kinds and statuses.
    "flag.dominant_shift": {"nl": "Verschuiving dominante dynamiek", "en": "Dominant dynamic shifted"},
    "flag.focus_mismatch": {"nl": "Focus past niet bij dominante dynamiek", "en": "Focus differs from dominant"},
    "flag.reliable_deterioration": {"nl": "Betrouwbare verslechtering", "en": "Reliable deterioration"},
    "flag.reliable_improvement": {"nl": "Betrouwbare verbetering", "en": "Reliable improvement"},
    "flag.missed_checkins": {"nl": "Check-ins gemist", "en": "Missed check-ins"},
    "flag.contact_request": {"nl": "Wil contact", "en": "Asks for contact"},
    "flag.not_on_track": {"nl": "Niet op koers", "en": "Not on track"},
    "status.open": {"nl": "Open", "en": "Open"},
    "status.acknowledged": {"nl": "Gezien", "en": "Acknowledged"},
    "status.resolved": {"nl": "Afgehandeld", "en": "Resolved"},
    "status.retired": {"nl": "Niet meer actueel", "en": "No longer current"},
    # The evidence of each flag, by the rule that raised it (numbers from the flag's evidence).
    "evidence.dominant_shift.v1": {
        "nl": "{to_name} heeft het overgenomen van {from_name}: het recente niveau ligt {lead_points} punten boven "
              "de volgende dynamiek (minstens {margin_points} nodig). De afgelopen maanden leidde {from_name}; de "
              "verandering is een verschuiving van {swing_points} punten (minstens {shift_points} nodig), meer dan "
              "ruis of één zware week.",
        "en": "{to_name} has taken over from {from_name}: its recent level is {lead_points} points above the next "
              "dynamic (at least {margin_points} needed). Over the past months {from_name} led; the change is a "
              "swing of {swing_points} points (at least {shift_points} needed), more than noise or one hard week.",
    },
    "evidence.reliable_change.deterioration.v1": {
        "nl": "{dynamic_name} ligt {checkins_in_a_row} check-ins op rij betrouwbaar hoger dan bij de start: nu "
              "{score} tegen {baseline} (gemiddelde van de eerste {baseline_checkins} check-ins), {change_abs} "
              "punten meer belasting, waar meetruis tot {reliable_change_points} punten verklaart (RCI {rci}).",
        "en": "{dynamic_name} has been reliably higher than at the start for {checkins_in_a_row} check-ins in a "
              "row: {score} now against {baseline} (mean of the first {baseline_checkins} check-ins), {change_abs} "
              "points more strain, where measurement noise explains up to {reliable_change_points} (RCI {rci}).",
    },
    "evidence.reliable_change.improvement.v1": {
        "nl": "{dynamic_name} ligt {checkins_in_a_row} check-ins op rij betrouwbaar lager dan bij de start: nu "
              "{score} tegen {baseline} (gemiddelde van de eerste {baseline_checkins} check-ins), {change_abs} "
              "punten minder belasting, waar meetruis tot {reliable_change_points} punten verklaart (RCI {rci}).",
        "en": "{dynamic_name} has been reliably lower than at the start for {checkins_in_a_row} check-ins in a "
              "row: {score} now against {baseline} (mean of the first {baseline_checkins} check-ins), {change_abs} "
              "points less strain, where measurement noise explains up to {reliable_change_points} (RCI {rci}).",
    },
    "evidence.contact_request": {
        "nl": "De cliënt wil contact vóór de volgende afspraak.",
        "en": "The client asked for contact before the next appointment.",
    },
    "evidence.focus_mismatch": {
        "nl": "De interventiefocus is {focus_name}, maar {dominant_name} leidt sinds {since_date}.",
        "en": "The intervention focus is {focus_name}, but {dominant_name} has led since {since_date}.",
    },
    "evidence.missed_checkins": {
        "nl": "Geen check-in in de weken die begonnen op {first_date} en {second_date}.",
        "en": "No check-in for the weeks starting {first_date} and {second_date}.",
    },
    # Core indicators, as a client reads them on their own trend.
    "core.sleep": {"nl": "Slaap", "en": "Sleep"},
    "core.energy": {"nl": "Energie", "en": "Energy"},
    "core.reactivity": {"nl": "Geraaktheid", "en": "Reactivity"},
    "core.meaning": {"nl": "Betekenis", "en": "Meaning"},
    # A moment in a sentence: the day and time come from `tracking.i18n.formats`.
    "when.at": {"nl": "{day} om {time}", "en": "{day} at {time}"},
    "language.nl": {"nl": "Nederlands", "en": "Dutch"},
    "language.en": {"nl": "Engels", "en": "English"},
}
