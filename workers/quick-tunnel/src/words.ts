// A 4,096-word list for quick-tunnel hostnames (four words → 2^48 names), taken from Debian's
// wamerican word list (lowercase, 4–6 letters). Regenerate with workers/quick-tunnel/scripts/words.sh.
export const WORDS: readonly string[] = (
  "abaft abash abbess abbots abeam abhor abides able ably abort above absent abused abuts accede " +
  "accord accuse ache aching acidic acme acorns acrid action acts acute adages added addict addles " +
  "adepts adieux adman admire adobes adored adrift advent advise adzes aerate aery affirm afghan " +
  "afloat afresh agar aged agenda aghast agism agony ague aide aids aimed airier airmen aisle akin " +
  "albeit albums alert algae alien aligns alines allay alleys allots alloys almond aloes alone " +
  "alpaca also alters alts alums amazed amble ameba ameer amends amigos amiss amok amour ampler " +
  "ampule amuse analog anew angers angler angst anion ankhs annals annoys anode anons anted anther " +
  "antis anuses anyone aortas aped aphid apiece appal appear apply aprons aptest aquas arcade " +
  "arched arcing ardent areas argon argue aria arise armada arming armory aroma arouse arrest " +
  "arroyo artier arty ascots ashes ashram asked aslant aspens asps assent asset assize asst astern " +
  "astral atlas atomic atoned atrium attar attics auburn audits aughts august aura author autumn " +
  "avatar aver averts avidly avowal awaits awakes awash awes awls awol axial axis axons azures " +
  "babble babes baboon backer badder badges bagels bail baited baked bakes balder baled balk ball " +
  "ballot balms balsas band bandy banged banish banked banner banter barbed bards barer barfed " +
  "barges barked barman baron barren barter based basest basic basing basked basses bast batch " +
  "bath bathes batiks bats battle bauds bawls bayous beacon beady beaker beams bear bears beaten " +
  "beaus bebop beck bedbug bedlam beef been beeps beet befall befog began beggar begone behalf " +
  "behest being belch belief belled belly belted bench benign berate berg berry beryls besom best " +
  "bests betcha bets bevel bewail biased bibs bidden bided biding biff bigger bigot biked biking " +
  "bilges bill bills binary binge binned biped birded births bisons bitchy bitmap blab blade " +
  "blamed blanch blare blasts blazed bldg bleat bleeds blend blest blimp bling blip blitz blob " +
  "blocks blond bloods blot blow blowsy blued bluff blunt blurbs blurts board boast boater bobble " +
  "bode bodice bodkin bogeys bogie bogs boiled boinks bolder boles bolted bomber bonded boner bong " +
  "bongs bonnet bonus boobs boogie bookie booms boors boot booths booze boozy border borers borne " +
  "bosh bossed bosuns bother bough bouncy bout bowel bowing bowls boxcar boxers boys braced brad " +
  "braid brainy brakes brands brass bratty braves brawls brayed bread breast breed brew briar " +
  "bribes bride brief brig brims brink brisks brogan broke bronze brook broth browns bruins brunt " +
  "brute buck bucks budged buds buffet buggy bugles built bulged bulked bulled bumble bumped bums " +
  "bunged bunk bunkum bunted buoys burg burial burkas burned burp burred burrs bursts bused bushel " +
  "busier buss busted busy buts butter buxom buyout buzzer bygone bypass bytes cabal cabbie cable " +
  "cacao caches cactus cadets cadges caftan cagey cagy cajole caking calif calked caller calm " +
  "calms calyx camel camera camps canal cancan candle caned canker canny canon cant canton canvas " +
  "caper capon captor carbon carded cared caress cargos carol carp carpet carrel cart carts carves " +
  "cases cashew casket caste castor catchy cation cats catty caulk caused caved cavil cavort cease " +
  "cedars ceding celli cement cent cerise chads chaff chair chalk champ change chaos chapt charms " +
  "chary chases chat cheat cheek cheeps cheese chem chest chewer chicer chicle chides chile chill " +
  "chime chimps chinks chintz chirps chits chocks choke choler choosy choral chores chow chubby " +
  "chugs chumps chunky churn chyron cigar cinch circa cite citing city civics clacks clam clamps " +
  "clangs clap clasp clause clay clear cleave clefts clerk clewed client climax climes clingy clip " +
  "clit cloaks clod clomp clones closed clot clots clout clover cloy clubs clued clumps clunks " +
  "clvii clxix coal coast coats cobalt cobs coccus cockle cocoas codded codes coding coerce coffin " +
  "cohere coifs coin coitus coking colder collar colony colt comas combo comedy comes comic comm " +
  "common compos condo cone conga conj conned consul convey cook cooks cooler coon cooper cootie " +
  "coped copies copra copter corals cords coring corm corned corny corpse cortex cosine costar " +
  "cosy cotter cough counts coupes course cove covers covets cowboy cowing cows coyote cozies " +
  "crabby cradle crag cramp craned cranks crape crash crater craved crawl crayon crazes creaky " +
  "crease credos creeks creeps crepes crests crews cricks cries crimps crisp croak crocks crones " +
  "croon cross croupy crowed crud cruel crufts crumbs crush crutch crypt cubes cubist cuckoo cuds " +
  "cuff cull cults cunt cupids curacy curbs cure curfew curio curler curry curses curter curved " +
  "cusp cussed cutely cutlet cutter cycled cymbal cystic dabbed dachas dadoes daffy dahlia dais " +
  "dales dame damned dampen dams danced dandle dank dapple daring darkly dart dashed dated datum " +
  "daubs davits dawns dazed dded deaden deafen deals dear dearth debar debate debs debug debuts " +
  "decals decays deck decode decoys deduct deejay deep deeps defame defer defile deft defy deicer " +
  "deigns delay delint delta deluxe demand demoed demote denial denim dense dented deny deploy " +
  "depots depute deride desert desk detail deters deuce devils devour dewy diadem dials dibble " +
  "dicey dicker dicky died dieted diffed digger dike dilate dilute dimly dims diner dinged dingy " +
  "dinky dint dipole dire dirge dirt disc discus disk disown disses dither diva dive divert divine " +
  "divvy djinns dock docs dodged dodo doers doffs dogie dogs dole doll dolls dolts domes done " +
  "donor donuts doomed dope dopier dork dormer dosage dosing doted dots doubly dough dourly dove " +
  "dowels downs dowsed doze dozes drabs drag drains drama drape drawer draws dreads dreary dress " +
  "drier drift drily drips driver droll drones droops dropsy drover drowse drudge druids drunks " +
  "dryers drys ducal duck ducts duding duels duff dukes duller dumb dump dunce dung dunked dunno " +
  "duped duress dust dusty dwarf dwell dyed dyes dykes eager earbud early earns earthy eased " +
  "easier easy eatery eaves ebony echos eddies edged edging edicts editor eerier effect egged egis " +
  "egress eiders eighty eked elate elbows elect elfin elided elixir elope elude elvish embark " +
  "embers embryo emend emetic emits emote employ enact encamp endear endow endued enemas engage " +
  "enjoin enmesh enrage enrols ensues enters entomb enured envoy eons epoch equals equips erased " +
  "erects erode errand erring ersatz eschew espies estate etch ether ethos euro evades evenly ever " +
  "evicts evils evokes ewes exalts excel excise exec exerts exhume exist exits expect expert " +
  "export extend extols exude exults eyelet fable facade facet facing fade fads faggot fail fainer " +
  "fairer faith faker fakir fallen falser family fanboy fangs farce fares farmed fart fasted fatal " +
  "father fatten fault fauna favor fawns faze fealty feast fecal feds feeder feels feigns feline " +
  "fellow felony female fence fend fennel ferns fervid fester fetch feting fetus feuds fewest fiat " +
  "fiber fiche fiddly field fierce fifes fight filch filet fill fillip filmed filth finals finds " +
  "finer finger finite finny fire firm firms firth fished fist fits fiver fixer fixity fizzle flab " +
  "flag flails flake flame flan flap flares flasks flaunt flaws flayed fleck fleece fleets flex " +
  "flicks flies flinch flints flips flits flocks flogs floors flops floras flour flouts flown flue " +
  "fluffs fluke flume flunks flute fluxed flyer foaled foams focal foes fogeys fogs foiled fold " +
  "folio folksy fond fondu fonts fool footed forage forbid ford forego forged forgo forks formed " +
  "forte forty foster fouler founds fours fowls foxing fracas frags framer frank fraud frays free " +
  "frees frenzy frets fried fries frill frisk frizzy frogs fronds frosts frothy frowzy fruit " +
  "frumps frying fuck fuddle fuel fugues fulled fumble fuming funds funk funnel furl furors furs " +
  "fused fuss fusty future fuze fuzz gabbed gabled gadfly gaffe gage gaggle gaily gait galas gales " +
  "gallon galosh gambol gamer gamey gaming gamut gang gannet gapes garb garden garner garter " +
  "gashes gasps gate gating gauge gauze gavels gawky gayly gazed gazing gecko geeing gees geisha " +
  "gelid gems genes genii genres gently geode germs gewgaw ghosts giants gibe giblet gifts gigolo " +
  "gilds gilts ginger gins girder girls girths gist gives glad glads glands glass glazes gleans " +
  "glib glider glitch gloats globed gloomy glossy glow glue gluier glut gnarl gnat gnawn gnomes " +
  "goads goat gobble goddam goes going gold golfed gonad goners gonk goober goodly goof google " +
  "goon goosed gored gorges gorps gospel gotten gouges gouty gowned grace grade grads grain grams " +
  "granny grapes grasps grated grave graver grayed grazed great greed greet grew greys griefs " +
  "grills grimes grind grip grippe grit groans groin groom grope grotto groups grove grower grows " +
  "grubs grues grungy guard guess guffaw guild guilty guitar gulf gullet gulp gumbos gunk gunner " +
  "gurgle gush gushy gusto gutsy guying gybed gypped gyrate habits hackle haggle hailed haired " +
  "hakes hales hall haloed halt halve hammed hand handy hanger hankie happen hard hardy harems " +
  "harked harm harped harry hash hasps hasten hate hates hats hauled haunt havens hawed hawker " +
  "hayed hazard hazels hazing headed heal health hear hearse hearty heath heaved heck hedge heeded " +
  "heeled hefts heir held hello helms helped hemp henna herald herd here heresy hero heron hers " +
  "hewers hexed hiatus hicks hides hies highs hiker hill hilts hinds hinges hints hippo hire hiss " +
  "hither hived hoagy hoary hoaxes hobnob hobs hocks hoes hogs hokier holds holes hollow home " +
  "homers homie homing hone honey honk honors hoodie hoof hookah hooks hooped hooray hooter hoped " +
  "hopper hordes horns horse horsy hosing hosts hotkey hound hours hove hovers howled hubbub hubs " +
  "huff huge hugged hulk hulls humble humid humors hums hunger hunks hunts hurler hurry hush " +
  "husked hussar huts hydra hyenas hymn hype hyphen iamb ibexes ibises ices icily icky ideal " +
  "idiocy idiots idlers idly idyll iffy ignore ilks imaged imbed imbued impact impart impend " +
  "impose impute inborn incest incing incs indeed indigo indue inert infer infix inform ingots " +
  "inject inkier inlaid inlet inmost inns insane inset insole insult intel interj intone inure " +
  "invent invoke iodize iotas irises iron irony islet issue italic itchy ivies jabot jackal jade " +
  "jagged jailed jalopy jams jape jargon jaunt jawing jazzed jeep jeers jejune jellos jerked " +
  "jersey jests jetty jibe jibs jiggle jihads jimmy jinnis jinxes jives jobs jocose joggle join " +
  "joint joke jokes jolted joshes joule jousts joyed joys judo juice juicy jumble jumped junco " +
  "junk junkie juntas jurors justly kabob kahuna kaput karma kazoos kebobs keen keens kegs kens " +
  "keto keys khans kicked kidded kiddos kids kills kilo kilts kinder king kinked kiosks kissed " +
  "kited kits kiwi kluged knack knead kneel knells knifed knits knobs knolls know koalas kookie " +
  "kopek krone kudzu labia labors laces lacked lacuna lade ladies ladles lagers laid laity lamas " +
  "lambs lament lamest lamps lancer landed lanes lapel lapse larch lards largo larked larval lased " +
  "lash lass lassos lasts latent lath lathes latter lauds laurel lawn laxer layer laymen laze " +
  "lazier lazy leaden leafed leak lean leap learn lease least leaves ledges leer lees leftie legal " +
  "legend legion legs lemmas lemony lender lenses lepers lessee lessor letter levees levers levy " +
  "lexer liaise libels lichen licks lief lien life lifted like likens liking lilt limb limbs " +
  "limier limn limos limpet limy lineal linens lineup lining links linted lions liquid lire lisps " +
  "listen lite lither live livens lives lizard llanos loads loafs loaned loathe lobe local loci " +
  "locket locus lodge loft loge logic logo logos loins lolled loner longer looked loomed loonie " +
  "looped loosed loot lope lopped lordly lorry loses lost lotto loudly lousy love lovers lower " +
  "lowish loyal lube lucid lucky lull lumber lumps lunch lunges lupins lured lurk lush lusted " +
  "lusty lvii lxvi lying lynxes lyrics maced macro madame madder madmen magic magnum maids mails " +
  "main maizes maker making malice mallow malts mambos mammon manful manger mangy manic manned " +
  "mans mantes manual maples maraca mare marina marker marlin marrow marshy marts mascot mashes " +
  "masks mass master mated matins matt mattes matzoh mauled mavens maxed maxims mayday mayor mead " +
  "meals meanly meat meccas media medic meek meets melds melons member memoir menage mends mentor " +
  "meowed merely merged merit merry mesh messed metal meteor method metros mewl miaow mice midair " +
  "midge midway miffed mike milch mildly miles milk milky millet mimed miming minces mine mines " +
  "minima minis minor mints minute mire mirror misdid misery misled misses mists miter mitten " +
  "mixers mkay moat mobs mocked modals models modes mods moguls moires mold moldy moll molten " +
  "mommas monger monkey months moody mooned moors mooted mopeds moppet morals morbid morn morose " +
  "mortar mosque most motels moths motion motors mound mourn mouser mousy moved movie mower mows " +
  "mucks muddle muffed mufti muggle mulch mull mulls mummy munged murder murmur mused mushed " +
  "musics musky mussel muster mutate muter mutiny mutts myna myopia myrtle mythic nabobs nacre " +
  "nags nailed naked names nape nappy nark nary natal natty naval naves near nearly neath necked " +
  "needed negate neocon nerds nerves nestle netted neuron newel newly newton niacin nicely niche " +
  "nickel nieces niggaz nigher nimbi nine ninjas nipped nips nits nixing nobly noddy nodule noggin " +
  "noisy noncom nook nooses norms noses noshes notary notes notion nouns novas noway nubile nuder " +
  "nudged nudity nukes numb numbs nursed nuts nybble nymphs oaks oars oath obey obits oblong " +
  "obsess occupy oceans octal octets oddest odes odors offer offs ogled ogres oiling oinked okays " +
  "older oleo omegas omit onion onrush onus onyxes oozed opals opener operas opines opted opting " +
  "opuses orals orates orbs ordeal ores orgies oriole orphan ossify otter ounce ousted outbid " +
  "outed outgo outlet outs ovals over overt ovules owing owls owning oxen oxygen paced pack packs " +
  "paddle pads pagans pagers paid pained pair palate pales palled palls palmy pampas pander panes " +
  "panics pansy pantry papacy papaws papery parcel pared paring parka parlay parole pars parser " +
  "parted pasha passel pasta pastel pastry patchy path patine patrol patted pauper pave pawed pawn " +
  "paws payees payoff peach peaks peanut pearly peat pecans pecs pedant peeing peel peeped peered " +
  "peeved pegs pelted pelvis pend penile penny peon pepped pepsin perils perked permed pert peseta " +
  "pest petal peters pets pewees phage phased phish phobia phoned phony photos physic piazze " +
  "picked picks piddle pieces pierce piffle piglet pigsty piker pilaf pilaus piled piling pillow " +
  "pimp pimps pined pings pinked pinky pinto pinups piper pipit pips piracy pisses pita pitied " +
  "pits pivots pixies pizzas places plaid plaint planar planet plant plate play plaza pleads " +
  "pleats plexus plies plods plops plover ploy plucky plum plumed plums plural plushy pocked podia " +
  "poems poetry points poises poker pokeys polar police polios polka pollen polyp pomp pond pones " +
  "poodle pool pooped poorly poplar popped pore pork port portly poser posh posit posses posted " +
  "potash potion potter pound pours powder poxes prank prates prayed preen prefix preppy press " +
  "prewar price prick prided priest primal primes prince priors prison prize probed prof prolog " +
  "prompt prong proofs props proton proven prowls prudes prying pshaw psyche public pucks puff " +
  "puffs puked pulled pulls pulps pulsed pumice pumper pundit punker punt puny pupas puppet puree " +
  "purer purges purity purple purse pursue pusher puss puts putter pwned pylon pyrite quacks " +
  "quaffs quaint qualm quarks quarts quasi queasy queers query queue quick quiets quilts quip " +
  "quirk quite quoit quotas quoth rabble raced races racing racked racy radii radium raffle rafts " +
  "raged raglan raid rail rained raised rajah raked rally ramp ranch randy ranger ranked ransom " +
  "rants rapid raping raps rarefy rarest rash rasp raster rather ration ratted rave raven raving " +
  "rayon razes razz react reads reales reals reamer reaper rearm rebate reborn rebut recap recede " +
  "recite record rector redcap redid redraw reed reefed reeked reels refer refill reflex refuge " +
  "regain regent region rehash reign reins relaid relays relied relive remain remedy remits rename " +
  "renege renown renter reorgs repay repel reply repute reruns resend reside resist rest resume " +
  "retard retire retort retype revamp revere revile revolt revved reword rheum rhombi rhythm ribs " +
  "rich ricing ridded rider ridged rife riffed rifled rifts rigid rile rill rimes rind ringer " +
  "rinse rioted ripely ripest ripple risen rising risky ritzy river roach roamed roans roast robe " +
  "robing robs rocker rococo rodeos rogers roiled roll roman romps roofed rooked roomed roost " +
  "rooter ropes roses rosins rotary rotors rotund rough rouse route routs rovers rowed rowers " +
  "royals rube ruble ruby rude rued ruffed rugged ruined ruled ruling rummer rump rums rungs runny " +
  "runts rural rushed russet rustle rutted sables sachet sacred saddle sadly safer saga sages sags " +
  "sail saint saki salami saline salmon salsa salter salve salvo same sancta sander sanely sanity " +
  "sappy sarees sash sassed sate satin satrap sauced sauna savant savers savor sawed sawyer scab " +
  "scads scald scales scam scams scants scarce scarf scat scenic scheme school schwas scoffs scone " +
  "scoot scopes scorer scotch scouts scows scrape screen scribe script scrogs scrubs scud scull " +
  "scummy scurry seabed seals seamen search season seaway secs secure sedate seeded seek seemed " +
  "seep seers segue seized self sells semis sends sense sent sepia septic sera serene serfs sermon " +
  "serve servo settee setups severe sewer sews sexily sexpot sexy shad shadow shafts shah shaken " +
  "shale shaman shammy shanks shapes shared sharks shave shaves sheaf sheave sheep sheets shekel " +
  "shelve shes shift shills shin shines ship shirk shirt shitty shleps shock shoe shone shoon shop " +
  "shores shot shouts shoves shown shred shrews shrill shrive shrubs shtick shucks shunts shyer " +
  "sibyl sicken sicks sides sidles siesta sift sigh sights signed silage silken sills silt silver " +
  "simper since sinewy singed singly sinks sinus sire sires sirups sister site sits sixth sized " +
  "sizzle skates sketch skews skier skiffs skim skims skip skis skulk skunk skying slacks slake " +
  "slam slant slash slates slaver slayer sled sleeks sleet sleigh slewed slicer slid slier slim " +
  "sling slinky slits sloe slogs slope slops sloths sloven slowly slued sluice slumps slur slush " +
  "slyer smacks smart smears smelt smiled smirk smites smock smoke smoky smudge smurf smutty " +
  "snafus snails snaky snare snarfs snarl sneak sneers sniff sniped snips snivel snoop snoots " +
  "snored snorts snout snows snuck snugly soaks soapy sobbed soccer socket sodded sods soften " +
  "softy soils solder solemn solids solos solver some song sonny soot sopped sordid sores sorry " +
  "sorter sough souls souped source sours south sowers soya spacey spades span spar spares sparse " +
  "spat spawn spays spears specks speed spells spent spewed spice spider spies spiked spills spine " +
  "spiny spires spited splat spleen split spoilt sponge spook spools spoors sport spots spouts " +
  "sprats spread sprier sprint spruce spryly spumed spunky spurs spying squads squat squaws squids " +
  "squirt stabs staff staged stain stake staled stalks stamp stand staph stare starry starve " +
  "stated stats staved stays steady steals steed steely steers stems step stern stewed sticky " +
  "stifle still sting stinks stirs stock stoic stoker stoles stone stoney stool stop stores storm " +
  "stout stowed strait strata strays strep strews strike strips strode strop strum struts stucco " +
  "studly stuffs stumpy stuns stupor style stylus subbed submit subtle succor sucker suds sues " +
  "sugar suit suitor sulked sully sumach summon sums sung sunned suntan supers supple surely surf " +
  "surge surrey suture swag swam swamps swanks swaps swarms swath sway swears sweep swell swift " +
  "swill swine swipe swirls swivel swoops swords swung symbol synchs syntax syrupy tabbed tables " +
  "tabs tacit tacks tact tagged tailor take takes talent talker tallow tamale tamer taming tampon " +
  "tang tangs tanker tannin taped taping taps tares tarmac tarots tarred tartan tarts tasked " +
  "tasted tats tattoo taunts tautly taxed taxies teabag teaks teamed teared tease teases teazle " +
  "tedium teemed teensy teeter tell temp temple tempt tended tenet tenons tens tenses tenth tepee " +
  "termed terns terser testes tether than thatch thee their them thence theses thick thighs things " +
  "thins thirty thorax those thrall three thrice throat throes throw thrum thud thumb thunk thwart " +
  "tiara tibias ticket tidal tides tidily tieing tiff tigers tikes tiled tilled tilted time timers " +
  "tinder tinge tingly tinkle tinsel tiny tipper tiptoe tired tiros titbit title titter toads " +
  "toasty toddy toffee togae toil toils tokens toll tomb tomcat tonal tones tonic tonne tony tools " +
  "toothy topics toque torn torrid torsos torts tosses totals totems totted touchy tour tout towed " +
  "towers tows toyed traced tracks traded trail trait tramps trap trauma tray treas treble trek " +
  "trend triad trials trice tried trike trim trios triply trite trod trolly trons tropes troth " +
  "trout troys truck trued truing trumps trust truths trysts tuba tubed tubing tucker tufts tulips " +
  "tummy tuna tuned tunic tunny turbot turf turkey turnip turves tusked tutors tuxes tweak tweeds " +
  "twelve twerp twiggy twine twink twirls twitch tycoon type typify typos tyros udders ulcers " +
  "ultra umber umped unable unbent uncle uncut undo unduly unfair unfurl unhurt unique unite unity " +
  "unless unmade unmask unpin unreal unruly unsays unsent unstop untie unto unveil unwind unzips " +
  "upends upkeep upon upping upset uptake urban urge urging urns used uses usual usury utopia " +
  "uvulae vacate vagina vainer valet valley values vamp vane vanned vapes vapors vars vassal vasts " +
  "vaults vector veered veggie vein velds velour vended veneer vent venues verge verify vernal " +
  "versus vesper vestry vetoed vexed vial vibe vice victim vied viewer vigor viler villas vinyls " +
  "violet vipers vireos virus visas vised visit vista vitals vivid vizier vocals voice voided " +
  "voles volts voodoo voted voting vowel voyage vulvae wack wacks wade wades wads waft waged " +
  "wagged wagons wail waists waits waives wakens waldos waling walks wallop walrus wander wanes " +
  "wanked wanner wants warded ware warily warmly warned warps wart wash wasp waster waters watts " +
  "wavers wavy waxier ways weakly wean wear weasel weaves wedded wedges weeded weeing weenie weepy " +
  "weevil weighs weirdo welded well welt wench wens west wetter whale wham wharfs wheals wheeze " +
  "whelp whens whets whiff whiles whimsy whines whips whirr whisks white whits whole whoop whores " +
  "whys wicket widen widget widths wife wiggle wigs wikis wilds wilful willed wilted wimple winced " +
  "winded windy wines wings winks winos wipe wipes wireds wiry wiser wished wisps with wits wizard " +
  "wobble woke wolfed womb women wonted woods wooer woofer woolen woos words worked worlds wormy " +
  "worsen worthy wounds wowing wrap wreak wrecks wrest wriest wrist writer wrong wrung wuss xcix " +
  "xiii xvii xxiv xxviii xxxiv xxxvii yack yahoos yams yapped yarn yawl yawns year years yeasty " +
  "yells yens yeses yews yippee yodel yogin yoke yokes yonder yours yowl yuccas yucky yummy zanier " +
  "zapper zebra zeds zephyr zeros zeta zinced zinger zipper zither zombie zoned zoom zorch"
).split(" ");
