"""Word material for the synthetic service-comment generator.

Separate from the generator so that the composition logic stays readable and
so that a team can extend the vocabulary (a new failure mode, a new language)
without touching code paths. Everything here is plain data.

Each failure mode has English (``en``) and Brazilian Portuguese (``pt``)
symptoms, findings and repairs, plus diagnostic trouble codes (DTCs) that a
technician would write. Some phrases deliberately overlap between modes
("check engine light", "noise", "barulho") because real notes are ambiguous.
"""

from __future__ import annotations

# Share of each failure mode before label noise: imbalanced on purpose.
FAILURE_MODE_WEIGHTS: dict[str, float] = {
    "engine": 0.19,
    "electrical": 0.17,
    "brakes": 0.14,
    "infotainment_software": 0.12,
    "suspension_steering": 0.10,
    "hvac": 0.09,
    "transmission": 0.08,
    "body_paint": 0.06,
    "fuel_system": 0.05,
}

SYMPTOMS: dict[str, dict[str, list[str]]] = {
    "engine": {
        "en": [
            "engine misfire at idle", "rough idle when cold", "engine stalls at stop lights",
            "loss of power going uphill", "engine knocking noise under load",
            "oil leak at valve cover gasket", "engine overheating in traffic",
            "hard start in the morning", "blue smoke from tailpipe at startup",
            "check engine light flashing while accelerating", "low oil pressure warning",
            "timing chain rattle on cold start",
        ],
        "pt": [
            "motor falhando em marcha lenta", "marcha lenta irregular com motor frio",
            "motor morrendo no semaforo", "perda de potencia na subida",
            "batida no motor em carga", "vazamento de oleo na junta da tampa de valvulas",
            "motor superaquecendo no transito", "dificuldade de partida pela manha",
            "fumaca azul no escapamento na partida", "luz de injecao piscando ao acelerar",
            "alerta de baixa pressao de oleo", "ruido de corrente de comando na partida a frio",
        ],
    },
    "electrical": {
        "en": [
            "battery drains overnight", "no crank no start, clicking noise",
            "headlights flicker at idle", "alternator not charging, battery light on",
            "power windows inoperative driver side", "intermittent dash lights blackout",
            "starter motor grinding", "fuse for rear lights keeps blowing",
            "parasitic draw found on body control module circuit", "wiring harness chafed near fuse box",
            "horn inoperative", "central locking inoperative",
        ],
        "pt": [
            "bateria descarrega durante a noite", "nao da partida, so estalo no rele",
            "farois piscando em marcha lenta", "alternador nao carrega, luz da bateria acesa",
            "vidro eletrico do motorista nao funciona", "painel apaga intermitente",
            "motor de arranque arranhando", "fusivel das lanternas traseiras queimando",
            "consumo parasita no modulo da carroceria", "chicote eletrico desgastado perto da caixa de fusiveis",
            "buzina inoperante", "trava eletrica central inoperante",
        ],
    },
    "brakes": {
        "en": [
            "brakes squealing when stopping", "brake pedal soft and spongy",
            "grinding noise from front brakes", "vehicle pulls left under braking",
            "abs warning light on", "vibration in steering wheel when braking",
            "brake fluid leak at rear caliper", "parking brake does not hold on incline",
            "pads worn to metal", "front rotors warped",
        ],
        "pt": [
            "freio chiando ao parar", "pedal de freio baixo e esponjoso",
            "ruido metalico nos freios dianteiros", "carro puxa para a esquerda ao frear",
            "luz do abs acesa", "volante trepida ao frear",
            "vazamento de fluido de freio na pinca traseira", "freio de mao nao segura na rampa",
            "pastilhas gastas ate o metal", "discos dianteiros empenados",
        ],
    },
    "infotainment_software": {
        "en": [
            "touchscreen frozen after update", "bluetooth keeps disconnecting from phone",
            "navigation map not loading", "carplay not connecting",
            "radio reboots randomly", "backup camera image black on screen",
            "voice commands not recognized", "head unit stuck on boot logo",
            "usb port not reading phone", "software update failed midway",
        ],
        "pt": [
            "tela multimidia travada apos atualizacao", "bluetooth desconecta do celular",
            "mapa do gps nao carrega", "carplay nao conecta",
            "central multimidia reinicia sozinha", "camera de re com imagem preta",
            "comando de voz nao reconhece", "central travada no logo",
            "entrada usb nao le o celular", "atualizacao de software falhou no meio",
        ],
    },
    "suspension_steering": {
        "en": [
            "clunk over bumps front left", "steering wheel off center",
            "power steering hard to turn", "vehicle wanders at highway speed",
            "front strut leaking", "uneven tire wear on inner edge",
            "rear shock absorber noise", "tie rod end loose",
            "creaking when turning at low speed", "steering rack leaking fluid",
        ],
        "pt": [
            "batida na suspensao dianteira esquerda em buracos", "volante torto",
            "direcao hidraulica pesada", "carro instavel em alta velocidade",
            "amortecedor dianteiro vazando", "desgaste irregular dos pneus na parte interna",
            "barulho no amortecedor traseiro", "terminal de direcao com folga",
            "rangido ao esterçar em baixa velocidade", "caixa de direcao vazando fluido",
        ],
    },
    "hvac": {
        "en": [
            "ac blowing warm air", "heater not working",
            "blower motor only works on high", "musty smell from vents",
            "ac compressor clutch not engaging", "defroster not clearing windshield",
            "water leak on passenger floor from evaporator drain",
            "climate control temperature not changing", "refrigerant low, leak at condenser",
        ],
        "pt": [
            "ar condicionado soltando ar quente", "aquecedor nao funciona",
            "ventilador interno so funciona na velocidade maxima", "cheiro de mofo nas saidas de ar",
            "embreagem do compressor do ar nao acopla", "desembacador nao limpa o para-brisa",
            "agua no assoalho do passageiro pelo dreno do evaporador",
            "climatizador nao muda a temperatura", "gas do ar baixo, vazamento no condensador",
        ],
    },
    "transmission": {
        "en": [
            "harsh shift from 2nd to 3rd", "transmission slipping under acceleration",
            "delayed engagement into drive", "clutch slipping",
            "gear grinding when shifting", "transmission fluid leak at pan",
            "stuck in limp mode", "shudder at low speed", "cvt whining noise",
        ],
        "pt": [
            "tranco na troca de segunda para terceira", "cambio patinando ao acelerar",
            "demora para engatar o drive", "embreagem patinando",
            "marcha arranhando na troca", "vazamento de oleo do cambio no carter",
            "cambio em modo de emergencia", "trepidacao em baixa velocidade", "cambio cvt zunindo",
        ],
    },
    "body_paint": {
        "en": [
            "paint peeling on hood", "rust bubble on rear wheel arch",
            "door panel rattle", "water leak from sunroof seal",
            "scratch on rear bumper from factory", "wind noise from driver door seal",
            "trunk lid misaligned", "clear coat fading on roof",
        ],
        "pt": [
            "pintura descascando no capo", "ponto de ferrugem no para-lama traseiro",
            "barulho no forro da porta", "infiltracao de agua pela borracha do teto solar",
            "risco no para-choque traseiro de fabrica", "ruido de vento na borracha da porta",
            "tampa do porta-malas desalinhada", "verniz do teto desbotando",
        ],
    },
    "fuel_system": {
        "en": [
            "strong fuel smell in cabin", "fuel gauge reads empty when full",
            "hard start after refueling", "fuel pump whining noise",
            "fuel leak under vehicle", "engine hesitates, lean condition",
            "injector leaking", "evap system leak detected",
        ],
        "pt": [
            "cheiro forte de combustivel na cabine", "marcador de combustivel marca vazio com tanque cheio",
            "dificuldade de partida apos abastecer", "bomba de combustivel zunindo",
            "vazamento de combustivel embaixo do carro", "motor engasgando, mistura pobre",
            "bico injetor vazando", "vazamento no sistema evaporativo",
        ],
    },
}

FINDINGS: dict[str, dict[str, list[str]]] = {
    "engine": {
        "en": ["found cyl 3 coil failed", "compression low on cyl 2", "found spark plugs worn",
               "found vacuum leak at intake", "timing chain stretched"],
        "pt": ["bobina do cilindro 3 queimada", "compressao baixa no cilindro 2", "velas desgastadas",
               "entrada falsa de ar no coletor", "corrente de comando esticada"],
    },
    "electrical": {
        "en": ["battery failed load test", "alternator output 11.2v", "corroded ground strap",
               "bcm relay stuck", "short to ground in harness"],
        "pt": ["bateria reprovada no teste de carga", "alternador carregando 11,2v", "cabo terra oxidado",
               "rele do bcm colado", "curto com o terra no chicote"],
    },
    "brakes": {
        "en": ["front pads at 2mm", "rotor runout out of spec", "caliper piston seized",
               "brake fluid contaminated", "abs wheel speed sensor failed"],
        "pt": ["pastilhas dianteiras com 2mm", "empeno do disco fora do especificado", "pistao da pinca travado",
               "fluido de freio contaminado", "sensor de rotacao do abs com defeito"],
    },
    "infotainment_software": {
        "en": ["head unit software outdated", "firmware corrupted on radio module",
               "antenna connector loose", "camera cable unplugged behind trim"],
        "pt": ["software da central desatualizado", "firmware do radio corrompido",
               "conector da antena solto", "cabo da camera desconectado atras do acabamento"],
    },
    "suspension_steering": {
        "en": ["lower control arm bushing torn", "sway bar link broken", "alignment out of spec",
               "strut mount worn"],
        "pt": ["bucha da bandeja rasgada", "bieleta quebrada", "alinhamento fora do especificado",
               "coxim do amortecedor gasto"],
    },
    "hvac": {
        "en": ["compressor clutch gap too wide", "blend door actuator failed", "cabin filter clogged",
               "blower resistor burnt"],
        "pt": ["folga da embreagem do compressor alta", "atuador da caixa de ar com defeito",
               "filtro de cabine entupido", "resistencia do ventilador queimada"],
    },
    "transmission": {
        "en": ["trans fluid burnt", "valve body solenoid fault", "clutch disc worn", "torque converter shudder"],
        "pt": ["oleo do cambio queimado", "solenoide do corpo de valvulas com falha",
               "disco de embreagem gasto", "conversor de torque trepidando"],
    },
    "body_paint": {
        "en": ["paint thickness below spec", "drain channel clogged", "loose clip in door trim"],
        "pt": ["espessura da pintura abaixo do padrao", "dreno entupido", "presilha solta no forro da porta"],
    },
    "fuel_system": {
        "en": ["fuel pressure low at rail", "fuel level sender faulty", "purge valve stuck open"],
        "pt": ["pressao de combustivel baixa na flauta", "boia do tanque com defeito",
               "valvula de purga travada aberta"],
    },
}

REPAIRS: dict[str, dict[str, list[str]]] = {
    "engine": {"en": ["replaced ignition coil", "replaced spark plugs", "replaced valve cover gasket",
                      "replaced timing chain kit"],
               "pt": ["substituida bobina de ignicao", "trocadas velas", "trocada junta da tampa de valvulas",
                      "substituido kit de corrente"]},
    "electrical": {"en": ["replaced battery", "replaced alternator", "repaired harness", "replaced starter"],
                   "pt": ["trocada bateria", "substituido alternador", "reparado chicote", "trocado motor de arranque"]},
    "brakes": {"en": ["replaced front pads and rotors", "bled brake system", "replaced caliper"],
               "pt": ["trocadas pastilhas e discos", "sangria do sistema de freio", "substituida pinca"]},
    "infotainment_software": {"en": ["reflashed head unit", "updated radio software", "reset infotainment module"],
                              "pt": ["regravado software da central", "atualizado software do radio",
                                     "resetado modulo multimidia"]},
    "suspension_steering": {"en": ["replaced front struts", "performed alignment", "replaced tie rod end"],
                            "pt": ["trocados amortecedores dianteiros", "feito alinhamento",
                                   "trocado terminal de direcao"]},
    "hvac": {"en": ["recharged ac system", "replaced blower motor resistor", "replaced cabin filter"],
             "pt": ["recarga de gas do ar", "trocada resistencia do ventilador", "trocado filtro de cabine"]},
    "transmission": {"en": ["performed trans fluid flush", "replaced clutch kit", "replaced shift solenoid"],
                     "pt": ["troca de oleo do cambio", "trocado kit de embreagem", "substituido solenoide"]},
    "body_paint": {"en": ["repainted panel", "resealed sunroof", "adjusted trunk lid"],
                   "pt": ["repintura da peca", "vedado teto solar", "regulada tampa do porta-malas"]},
    "fuel_system": {"en": ["replaced fuel pump", "replaced purge valve", "replaced injector"],
                    "pt": ["substituida bomba de combustivel", "trocada valvula de purga", "trocado bico injetor"]},
}

# Diagnostic trouble codes technicians copy from the scan tool: informative,
# and non-PII look-alikes for the privacy stage (P0301 is not a plate or a name).
DTC_CODES: dict[str, list[str]] = {
    "engine": ["P0300", "P0301", "P0302", "P0303", "P0016", "P0520"],
    "electrical": ["P0562", "P0620", "B1325", "U0140"],
    "brakes": ["C0035", "C0040", "C0265", "C1201"],
    "infotainment_software": ["U0184", "U0155", "B1A00", "U0198"],
    "suspension_steering": ["C0460", "C0545", "C0051"],
    "hvac": ["B1479", "P0532", "B10AD"],
    "transmission": ["P0700", "P0730", "P0741", "P0868"],
    "body_paint": [],
    "fuel_system": ["P0171", "P0455", "P0087", "P0463"],
}

# Phrases that fit several modes: they make the task realistically ambiguous.
GENERIC_PHRASES: dict[str, list[str]] = {
    "en": ["check engine light on", "noise while driving", "vehicle came in on tow truck",
           "customer concern verified", "intermittent issue", "warning light on dash",
           "could not duplicate on first road test", "multiple concerns"],
    "pt": ["luz de injecao acesa", "barulho rodando", "veiculo chegou de guincho",
           "reclamacao confirmada", "problema intermitente", "luz de alerta no painel",
           "nao reproduziu no primeiro teste", "varias reclamacoes"],
}

OPENERS: dict[str, list[str]] = {
    "en": ["customer states", "cust states", "c/s", "customer reports", "owner reports", "driver says", ""],
    "pt": ["cliente relata", "cliente informa", "cli reclama", "proprietario reclama", "motorista informa", ""],
}

CONTEXTS: dict[str, list[str]] = {
    "en": ["at cold start", "after warm up", "at highway speed", "in stop and go traffic",
           "since last service", "for two weeks", "when it rains", ""],
    "pt": ["na partida a frio", "depois de aquecer", "na estrada", "no anda e para",
           "desde a ultima revisao", "ha duas semanas", "quando chove", ""],
}

# Per-word shortenings technicians actually use; applied before casing.
ABBREVIATIONS: dict[str, dict[str, str]] = {
    "en": {"customer": "cust", "vehicle": "veh", "replaced": "repl", "engine": "eng",
           "transmission": "trans", "with": "w/", "without": "w/o", "check": "chk",
           "warning": "warn", "inoperative": "inop", "passenger": "pass", "driver": "drvr",
           "performed": "perf", "front": "frt", "left": "lh", "right": "rh"},
    "pt": {"cliente": "cli", "veiculo": "veic", "substituido": "subst", "substituida": "subst",
           "motor": "mot", "dianteiro": "diant", "dianteiros": "diant", "traseiro": "tras",
           "verificado": "verif", "esquerda": "esq", "direita": "dir", "com": "c/", "sem": "s/"},
}

# First names alternate male, female, male, ... (honorifics rely on it).
FIRST_NAMES = {
    "en": ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda",
           "David", "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas", "Jessica",
           "Christopher", "Sarah", "Daniel", "Karen", "Kevin", "Nancy", "Brian", "Lisa"],
    "pt": ["João", "Maria", "José", "Ana", "Antônio", "Francisca", "Carlos", "Juliana",
           "Paulo", "Márcia", "Pedro", "Fernanda", "Lucas", "Patrícia", "Luiz", "Aline",
           "Marcos", "Camila", "Gabriel", "Adriana", "Rafael", "Sandra", "Thiago", "Letícia"],
}
LAST_NAMES = {
    "en": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
           "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor",
           "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark"],
    "pt": ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
           "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
           "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Araújo"],
}
STREETS = {
    "en": ["Oak St", "Maple Avenue", "Pine Rd", "Cedar Lane", "Elm Street", "Washington Blvd",
           "Lakeview Dr", "Main St", "Park Ave", "Sunset Blvd"],
    "pt": ["Rua das Flores", "Av. Paulista", "Rua Sete de Setembro", "Avenida Brasil",
           "Rua XV de Novembro", "R. Barão do Rio Branco", "Av. Getúlio Vargas", "Rua Tiradentes",
           "Travessa São José", "Alameda Santos"],
}
EMAIL_DOMAINS = ["gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com", "uol.com.br", "icloud.com"]
