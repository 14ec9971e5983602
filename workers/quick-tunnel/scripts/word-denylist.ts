/**
 * Words that must never appear in a quick-tunnel hostname, which visitors see in their address
 * bar and people paste into chats. scripts/words.ts drops them when it generates src/words.ts and
 * test/words.test.ts checks the committed list against them. Lowercase, one word per entry; add
 * a word here and regenerate to take it out of the list.
 */
export const WORD_DENYLIST: readonly string[] = [
  // Found in the previous (Debian wamerican) list by issue 8.
  ...["coon", "retard", "fuck", "bitchy", "incest", "anuses", "asst", "awol"],
  // Slurs, obscenities and insults.
  ...["anal", "anus", "arse", "ass", "asses", "badass", "bastard", "bimbo", "bitch", "bitches"],
  ...["bollocks", "boner", "boob", "boobs", "bugger", "butt", "chink", "clit", "cock", "cocks"],
  ...["crap", "cretin", "cum", "cunt", "damn", "darn", "dick", "dicks", "dildo", "dork"],
  ...["douche", "dweeb", "dyke", "fag", "faggot", "fags", "fatso", "fucker", "fucks", "gay"],
  ...["gook", "gringo", "gyp", "gypsy", "hell", "homo", "honky", "hooker", "idiot", "idiocy"],
  ...["jap", "jerk", "jizz", "kike", "kraut", "lesbo", "loser", "lunacy", "midget", "moron"],
  ...["nappy", "negro", "nigga", "nigger", "oaf", "paki", "penis", "piss", "pissed", "poof"],
  ...["prick", "pube", "pussy", "queer", "scum", "semen", "shit", "shits", "skank", "slut"],
  ...["sluts", "spaz", "spic", "tit", "tits", "turd", "twat", "twerp", "vagina", "wank"],
  ...["wanker", "wench", "wetback", "whore", "wimp", "wop"],
  // Sexual.
  ...["erotic", "gigolo", "gonad", "groin", "grope", "horny", "humped", "kinky", "kisser"],
  ...["lusty", "moaner", "nude", "orgasm", "orgy", "ovary", "pelvis", "porn", "rape", "raped"],
  ...["rapist", "rectal", "seduce", "sexy", "thong", "unwed", "vixen", "womb"],
  // Drugs, illness and bodily harm.
  ...["aids", "anemia", "anemic", "autism", "chemo", "coke", "gout", "junkie", "maggot"],
  ...["opium", "polio", "pox", "prozac", "rehab", "scabby", "scurvy", "septic", "valium"],
  // Death, violence and cruelty.
  ...["arson", "corpse", "dead", "death", "demise", "entomb", "exhume", "gore", "gory", "hate"],
  ...["hatred", "impale", "kill", "maimed", "murder", "perish", "poison", "rabid", "racism"],
  ...["slain", "suicide", "undead", "unholy", "widow"],
  // Peoples, religions and politics, which a random name must not pair with anything.
  ...["apache", "celtic", "eskimo", "french", "jew", "nazi", "pagan", "pope", "roman", "trump"],
  // Trademarks: a random `google-…` or `ipad-…` name reads like the brand's own (or a phish).
  ...["chevy", "ebay", "google", "humvee", "ipad", "iphone", "ipod", "itunes", "lego", "muppet"],
  ...["skype", "velcro", "xbox", "xerox", "yahoo"],
];
